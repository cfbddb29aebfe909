import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { collisionName } from '../src-main/engine/runtime/install.js';
import { limitsComponent } from '../test/fixtures/wat-components.js';
import {
  type BenchRow,
  type BenchSection,
  callLatency,
  distinctCopy,
  percentile,
  throughput,
  weldCli,
  weldHomeWithAdd,
} from './lib.js';

const REPO = join(import.meta.dirname, '..');
const WELD = join(REPO, 'bin', 'weld.js');
const BASELINE = join(import.meta.dirname, 'baseline-server.mjs');
const N = 3000;
const ROUNDS = 6;
const ARGS = { a: 2, b: 40 };

export interface Side {
  client: Client;
  transport: StdioClientTransport;
}

export async function connect(command: string[], env: Record<string, string>): Promise<Side> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: command,
    env: { ...process.env, ...env } as Record<string, string>,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  return { client, transport };
}

/** Spawn to the first tools/call result, in ms. */
async function coldStart(command: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const side = await connect(command, env);
  const r = await side.client.callTool({ name: 'add', arguments: ARGS });
  const ms = performance.now() - t0;
  if ((r.content as { text: string }[])[0]?.text !== '42') throw new Error(`unexpected cold result ${JSON.stringify(r)}`);
  await side.client.close();
  return ms;
}

/** CPU time (user + system) the process has used so far, in microseconds; all its threads. */
export function cpuUs(pid: number | null | undefined): number {
  if (!pid) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

export function rssMiB(pid: number | null | undefined): number {
  if (!pid) return Number.NaN;
  // The server's own RSS plus its worker threads (same process).
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/**
 * Weld serving the `add` example component over stdio against the plain SDK server's JS `add`:
 * warm latency, throughput with 8 in flight, cold start, RSS and the cost of more idle components.
 */
export async function stdioBench(): Promise<BenchSection> {
  const { home, wasm, remove } = await weldHomeWithAdd('stdio');
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    const env = { WELD_HOME: home };
    const weldCmd = [WELD, 'serve', '--stdio'];

    const sides = [await connect(weldCmd, env), await connect([BASELINE, 'stdio'], {})];
    const lat: number[][] = [[], []];
    const tput: number[][] = [[], []];
    const tputCpu = [0, 0];
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of [0, 1]) {
        lat[s].push(...(await callLatency(sides[s].client, 'add', ARGS, N / ROUNDS)));
        const cpu0 = cpuUs(sides[s].transport.pid);
        tput[s].push(await throughput(sides[s].client, 'add', ARGS, 2000, 8));
        tputCpu[s] += (cpuUs(sides[s].transport.pid) - cpu0) / (2000 * ROUNDS);
      }
    }
    const rss = sides.map((s) => rssMiB(s.transport.pid));
    await Promise.all(sides.map((s) => s.client.close()));
    for (const l of lat) l.sort((a, b) => a - b);
    for (const t of tput) t.sort((a, b) => a - b);

    const cold: number[][] = [[], []];
    for (let i = 0; i < 5; i++) {
      cold[0].push(await coldStart(weldCmd, env));
      cold[1].push(await coldStart([BASELINE, 'stdio'], {}));
    }
    for (const c of cold) c.sort((a, b) => a - b);

    // Five more components, each called once, then left idle: the RSS they add to the server.
    for (let i = 0; i < 5; i++) {
      const f = join(home, `add${i}.wasm`);
      writeFileSync(f, distinctCopy(wasm, String(i)));
      weldCli(home, ['install', f, '--name', `add-copy-${i}`]);
    }
    const many = await connect(weldCmd, env);
    await many.client.callTool({ name: 'add', arguments: ARGS });
    const oneRss = rssMiB(many.transport.pid);
    for (let i = 0; i < 5; i++) await many.client.callTool({ name: collisionName(`add-copy-${i}`, 'add'), arguments: ARGS });
    await new Promise((r) => setTimeout(r, 500));
    const sixRss = rssMiB(many.transport.pid);
    await many.client.close();

    // A guest in an endless loop under a 1 s policy timeout: how long after the deadline the call returns.
    // Its own data dir, so no other component's worker is starting up during the measurement.
    const spinHome = join(home, 'spin');
    const limits = join(home, 'limits.wasm');
    writeFileSync(limits, await limitsComponent());
    const policy = join(home, 'limits.yaml');
    writeFileSync(policy, 'version: "1.0"\npermissions:\n  resources:\n    limits:\n      timeout: "1s"\n');
    weldCli(spinHome, ['install', limits, '--policy', policy]);
    const spinner = await connect(weldCmd, { WELD_HOME: spinHome });
    const overshoot: number[] = [];
    for (let i = 0; i < 3; i++) {
      // A warm instance first: the previous timeout stopped the worker, and its restart is not the kill.
      await spinner.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
      const t0 = performance.now();
      await spinner.client.callTool({ name: 'spin', arguments: {} });
      overshoot.push(performance.now() - t0 - 1000);
    }
    await spinner.client.close();
    overshoot.sort((a, b) => a - b);

    rows.push(
      {
        metric: 'stdio tools/call p50',
        figure: 'warm sequential p50',
        unit: 'us',
        weld: percentile(lat[0], 50),
        baseline: percentile(lat[1], 50),
        target: { max: 1.5 },
      },
      { metric: 'stdio tools/call p99', unit: 'us', weld: percentile(lat[0], 99), baseline: percentile(lat[1], 99) },
      {
        metric: 'throughput, 8 in flight',
        figure: 'throughput, 8 in flight',
        unit: 'calls/s',
        weld: percentile(tput[0], 50),
        baseline: percentile(tput[1], 50),
        target: { min: 0.7 },
      },
      {
        metric: 'server CPU per call, 8 in flight (all threads)',
        unit: 'us',
        weld: tputCpu[0],
        baseline: tputCpu[1],
      },
      {
        metric: 'cold start to first result',
        figure: 'cold start to first result',
        unit: 'ms',
        weld: percentile(cold[0], 50),
        baseline: percentile(cold[1], 50),
        target: { max: 1.5 },
      },
      { metric: 'RSS after the latency runs', figure: 'RSS after the warm runs', unit: 'MiB', weld: rss[0], baseline: rss[1] },
      {
        metric: 'RSS added per extra component (called once, idle)',
        unit: 'MiB',
        weld: (sixRss - oneRss) / 5,
        baseline: 20,
        target: { max: 1 },
      },
      {
        metric: 'timeout kill: call returns after the deadline by',
        unit: 'ms',
        weld: percentile(overshoot, 50),
        baseline: 100,
        target: { max: 1 },
      },
    );
    notes.push(
      `Weld runs the componentize-js \`add\` example (${(wasm.length / 1e6).toFixed(1)} MB component) in its worker; the baseline is the same tool in plain JS in the SDK server. ` +
        `Latency: ${N} sequential calls in ${ROUNDS} alternating rounds; throughput: median of ${ROUNDS} runs of 2000 calls; cold start: median of 5 spawns each, component installed, ` +
        'the first call after MCP initialize. The per-component RSS and timeout rows compare against their budgets (20 MiB, 100 ms) in the baseline column; ' +
        'the timeout row is the median of 3 endless-loop calls under a 1 s policy timeout.',
    );
  } finally {
    remove();
  }
  return { title: 'Component runtime over stdio', rows, notes };
}
