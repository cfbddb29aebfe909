import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BenchRow, type BenchSection, weldHomeWithAdd } from './lib.js';

const REPO = join(import.meta.dirname, '..');
const WELD = join(REPO, 'bin', 'weld.js');
const ENV_VAR = 'WELD_SHARED_BENCH';
const FLAG = '--shared-bench';
const SCRIPTS = ['mcp-latency.mjs', 'idle-latency.mjs', 'baseline-server.mjs'];

/** Where the shared harness is: `--shared-bench PATH`, else $WELD_SHARED_BENCH, else ../shared/bench beside the checkout. */
export function sharedBenchDir(argv: string[] = process.argv.slice(2), env = process.env): { dir: string; from: string } {
  const i = argv.indexOf(FLAG);
  if (i >= 0) {
    const value = argv[i + 1];
    if (!value || value.startsWith('--')) throw new Error(`${FLAG} needs a directory`);
    return { dir: resolve(value), from: FLAG };
  }
  if (env[ENV_VAR]) return { dir: resolve(env[ENV_VAR]), from: `$${ENV_VAR}` };
  return { dir: resolve(REPO, '..', 'shared', 'bench'), from: 'the default ../shared/bench' };
}

/**
 * The harness as it can run: in place when its dependencies are installed there, else a copy in a
 * temporary directory with `npm ci` (its README's advice where ../shared is read-only). The copy is
 * outside the repository and reused while the harness's files are unchanged.
 */
function runnable(dir: string): string {
  if (existsSync(join(dir, 'node_modules', '@modelcontextprotocol', 'sdk'))) return dir;
  const files = readdirSync(dir).filter((f) => f.endsWith('.mjs') || f === 'package.json' || f === 'package-lock.json');
  const hash = createHash('sha256');
  for (const f of files.sort())
    hash
      .update(f)
      .update('\0')
      .update(readFileSync(join(dir, f)));
  const copy = join(tmpdir(), `weld-shared-bench-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(copy, 'node_modules', '@modelcontextprotocol', 'sdk'))) return copy;
  const staging = `${copy}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const f of files) copyFileSync(join(dir, f), join(staging, f));
  process.stderr.write(`bench: installing the shared harness's dependencies in ${copy} (npm ci)\n`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel', 'error'], {
    cwd: staging,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  rmSync(copy, { recursive: true, force: true });
  renameSync(staging, copy);
  return copy;
}

interface Stats {
  p50: number;
  p90: number;
  p99: number;
}
interface LatencyTarget {
  coldFirstResultMs: Stats;
  warmSeqMs: Stats;
  concurrent: { callsPerSec: number };
  rssAfterKB: number;
  errors: number;
  errorSamples: string[];
}
interface LatencyReport {
  targets: Record<string, LatencyTarget>;
  harnessErrors: string[];
}
type IdleReport = [{ p50: number; p90: number }, { p50: number; p90: number }, unknown];

function runNode(cwd: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, args, {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });
  // mcp-latency exits 1 when any call failed but still prints its report; the rows say how many.
  if (!r.stdout.trim()) throw new Error(`${args[0]} printed no report (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return r.stdout.trim().split('\n').at(-1) as string;
}

/**
 * The project is judged by the shared harness (an SDK client in its own process against a plain SDK
 * server with the same `add` tool): this runs its two scripts in the same `npm run bench` run as the
 * project's own sections, so the two sets of figures can be put side by side.
 */
export async function sharedHarnessBench(): Promise<BenchSection> {
  const title = 'Shared harness (../shared/bench): mcp-latency.mjs and idle-latency.mjs';
  const { dir, from } = sharedBenchDir();
  const missing = SCRIPTS.filter((f) => !existsSync(join(dir, f)));
  if (missing.length) {
    const why = `The shared harness was not found at ${dir} (${from}; missing ${missing.join(', ')}): these figures were NOT measured. Pass ${FLAG} PATH or set ${ENV_VAR}.`;
    process.stderr.write(`bench: ${why}\n`);
    return { title, rows: [], notes: [why] };
  }
  let cwd: string;
  try {
    cwd = runnable(dir);
  } catch (err) {
    const why = `The shared harness at ${dir} could not be prepared (npm ci in a copy failed: ${(err as Error).message.split('\n')[0]}): these figures were NOT measured.`;
    process.stderr.write(`bench: ${why}\n`);
    return { title, rows: [], notes: [why] };
  }
  const { home, remove } = await weldHomeWithAdd('shared');
  try {
    const env = { ...process.env, WELD_HOME: home };
    const weld = `node ${WELD} serve --stdio`;
    const latency = JSON.parse(
      runNode(
        cwd,
        [
          'mcp-latency.mjs',
          '--server',
          'node baseline-server.mjs',
          '--server2',
          weld,
          '--label',
          'plain',
          '--label2',
          'weld',
          '--tool',
          'add',
          '--args',
          '{"a":1,"b":2}',
          '--calls',
          '2000',
          '--warmup',
          '200',
          '--cold',
          '5',
          '--quiet',
        ],
        env,
      ),
    ) as LatencyReport;
    const idle = JSON.parse(
      runNode(
        cwd,
        ['idle-latency.mjs', '--server', 'node baseline-server.mjs', '--server2', weld, '--n', '40', '--gap', '300'],
        env,
      ),
    ) as IdleReport;
    const { plain, weld: w } = latency.targets;
    const rows: BenchRow[] = [
      { metric: 'isolated call (300 ms apart) p50', unit: 'ms', weld: idle[1].p50, baseline: idle[0].p50, target: { max: 1.2 } },
      { metric: 'isolated call (300 ms apart) p90', unit: 'ms', weld: idle[1].p90, baseline: idle[0].p90, target: { max: 1.3 } },
      {
        metric: 'warm sequential p50',
        figure: 'warm sequential p50',
        unit: 'ms',
        weld: w.warmSeqMs.p50,
        baseline: plain.warmSeqMs.p50,
      },
      { metric: 'warm sequential p90', unit: 'ms', weld: w.warmSeqMs.p90, baseline: plain.warmSeqMs.p90 },
      {
        metric: 'throughput, 8 in flight',
        figure: 'throughput, 8 in flight',
        unit: 'calls/s',
        weld: w.concurrent.callsPerSec,
        baseline: plain.concurrent.callsPerSec,
        target: { min: 0.9 },
      },
      {
        metric: 'cold start to first result p50',
        figure: 'cold start to first result',
        unit: 'ms',
        weld: w.coldFirstResultMs.p50,
        baseline: plain.coldFirstResultMs.p50,
        target: { max: 1.2 },
      },
      {
        metric: 'RSS after the run',
        figure: 'RSS after the warm runs',
        unit: 'MiB',
        weld: w.rssAfterKB / 1024,
        baseline: plain.rssAfterKB / 1024,
        target: { max: 1.3 },
      },
    ];
    const errors = [w, plain].reduce((n, t) => n + t.errors, 0) + latency.harnessErrors.length;
    const notes = [
      `Harness: ${dir} (${from})${cwd === dir ? '' : `, run from a copy with its dependencies in ${cwd}`}. mcp-latency.mjs: cold start 5 spawns each after one discarded, then 200 warm-up calls and 2000 sequential and 2000 concurrent calls in 4 A/B blocks of 500; idle-latency.mjs: 40 calls 300 ms apart, alternating. Errors: ${errors}${errors ? ` (${[...w.errorSamples, ...plain.errorSamples, ...latency.harnessErrors].slice(0, 3).join('; ')})` : ''}.`,
    ];
    return { title, rows, notes };
  } finally {
    remove();
  }
}
