import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { buildComponent, fixtureDir } from '../test/fixtures/build.js';
import { type BenchRow, type BenchSection, weldCli } from './lib.js';
import { connect, rssMiB } from './stdio.bench.js';

const WELD = join(import.meta.dirname, '..', 'bin', 'weld.js');
/** The budget for a 100 MiB flood (issue 16). */
const BUDGET_MIB = 10;
const ROUNDS = 3;

/**
 * What a guest's output flood costs `weld serve --stdio` in RSS (its own process, read from /proc every
 * millisecond by this process): 100 MiB on stdout and on stderr in 25 MiB writes of 64 KiB chunks, and
 * 8 GiB of zeroes asked for in one write. The growth is the peak over the RSS before, after a warm-up
 * flood has taken the guest's own memory to its high-water mark. The same calls with no output are the
 * control: what calling alone moves RSS by.
 */
export async function floodsBench(): Promise<BenchSection> {
  const home = mkdtempSync(join(tmpdir(), 'weld-bench-floods-'));
  try {
    const policy = join(home, 'policy.yaml');
    writeFileSync(policy, 'version: "1.0"\npermissions:\n  resources:\n    limits:\n      timeout: 300s\n');
    weldCli(home, ['install', await buildComponent(fixtureDir('hostile')), '--name', 'hostile', '--policy', policy, '--yes']);
    const runs = await floodRounds({ WELD_HOME: home });
    // The same server with glibc's malloc held to one arena: what is left is Weld's own cost, the rest
    // is the allocator giving each thread an arena of its own.
    const oneArena = await floodRounds({ WELD_HOME: home, MALLOC_ARENA_MAX: '1' });
    const row = (metric: string, k: keyof Rounds): BenchRow => ({
      metric,
      unit: 'MiB',
      weld: Math.max(...runs[k]),
      baseline: BUDGET_MIB,
      target: { max: 1 },
    });
    return {
      title: 'Guest output floods: RSS growth of weld serve --stdio',
      rows: [
        row('100 MiB stdout flood, worst peak growth', 'stdout'),
        row('100 MiB stderr flood, worst peak growth', 'stderr'),
        row('8 GiB of zeroes in one write, worst peak growth', 'zeroes'),
      ],
      notes: [
        `The baseline column is the issue's budget (${BUDGET_MIB} MiB), not a measured server. ${ROUNDS} rounds; every round's peak growth in MiB: ${describe(runs)}.`,
        `The same rounds with MALLOC_ARENA_MAX=1: ${describe(oneArena)}.`,
      ],
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

type Rounds = Record<'stdout' | 'stderr' | 'zeroes' | 'none', number[]>;

const describe = (r: Rounds) =>
  `stdout ${fmt(r.stdout)}; stderr ${fmt(r.stderr)}; zeroes ${fmt(r.zeroes)}; the same four calls with no output (control) ${fmt(r.none)}`;

async function floodRounds(env: Record<string, string>): Promise<Rounds> {
  const side = await connect([WELD, 'serve', '--stdio'], env);
  const pid = side.transport.pid;
  const call = async (tool: string, args: Record<string, unknown>) => {
    const r = await side.client.callTool({ name: tool, arguments: args });
    if (r.isError) throw new Error(`${tool} failed: ${JSON.stringify(r.content)}`);
  };
  const bytes = (mib: number, toStderr: boolean) => call('flood-bytes', { mib, 'chunk-kib': 64, 'to-stderr': toStderr });
  // The guest's own memory reaches its high-water mark first: that is the guest's budget.
  await bytes(25, false);
  await bytes(25, true);
  const runs: Rounds = { stdout: [], stderr: [], zeroes: [], none: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.none.push(await peakGrowth(pid, side.client, () => repeat(4, () => bytes(0, false))));
    runs.stdout.push(await peakGrowth(pid, side.client, () => repeat(4, () => bytes(25, false))));
    runs.stderr.push(await peakGrowth(pid, side.client, () => repeat(4, () => bytes(25, true))));
    runs.zeroes.push(await peakGrowth(pid, side.client, () => call('flood-zeroes', { mib: 8192, 'to-stderr': false })));
  }
  await side.client.close();
  return runs;
}

const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');

async function repeat(n: number, fn: () => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i++) await fn();
}

/** Peak RSS of `pid` while `fn` runs, minus its RSS before, in MiB. */
async function peakGrowth(pid: number | null | undefined, client: Client, fn: () => Promise<void>): Promise<number> {
  await client.ping();
  const before = rssMiB(pid);
  let peak = before;
  const sample = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
  }, 1);
  try {
    await fn();
  } finally {
    clearInterval(sample);
  }
  return Math.max(peak, rssMiB(pid)) - before;
}
