import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildComponent, exampleDir } from '../test/fixtures/build.js';
import { type BenchRow, type BenchSection, callLatency, percentile, throughput } from './lib.js';
import { connect, cpuUs, type Side } from './stdio.bench.js';

const WELD = join(import.meta.dirname, '..', 'bin', 'weld.js');
const N = 3000;
const ROUNDS = 6;
const ARGS = { a: 2, b: 40 };

interface Variant {
  name: string;
  bin: string;
  env: Record<string, string>;
}

/**
 * What answering only after the call's row is committed costs (issue 21): this build with the default
 * durability (WAL, synchronous=NORMAL) against `synchronous=FULL` (an fsync per group commit), and,
 * when WELD_BENCH_BEFORE names another build's bin/weld.js (e.g. main before the change, which wrote
 * call rows on a 25 ms timer after replying), against that build. Sides alternate round by round,
 * each in a data dir of its own with the `add` example installed by its own build.
 */
export async function durabilityBench(): Promise<BenchSection> {
  const root = mkdtempSync(join(tmpdir(), 'weld-bench-durability-'));
  const rows: BenchRow[] = [];
  const before = process.env.WELD_BENCH_BEFORE;
  if (before && !existsSync(before)) throw new Error(`WELD_BENCH_BEFORE: no such file ${before}`);
  try {
    const wasm = join(root, 'add.wasm');
    writeFileSync(wasm, readFileSync(await buildComponent(exampleDir('add'))));
    const variants: Variant[] = [
      { name: 'normal', bin: WELD, env: {} },
      { name: 'full', bin: WELD, env: { WELD_DB_SYNCHRONOUS: 'full' } },
      ...(before ? [{ name: 'before', bin: before, env: {} }] : []),
    ];
    const sides: Side[] = [];
    for (const v of variants) {
      // Installed by the variant's own build, so a build with an older schema gets a database it can open.
      const env = { ...v.env, WELD_HOME: join(root, v.name) };
      execFileSync(process.execPath, [v.bin, 'install', wasm], { env: { ...process.env, ...env } });
      sides.push(await connect([v.bin, 'serve', '--stdio'], env));
    }
    const lat: number[][] = variants.map(() => []);
    const tput: number[][] = variants.map(() => []);
    const cpu = variants.map(() => 0);
    for (let round = 0; round < ROUNDS; round++) {
      for (let s = 0; s < sides.length; s++) {
        lat[s].push(...(await callLatency(sides[s].client, 'add', ARGS, N / ROUNDS)));
        const cpu0 = cpuUs(sides[s].transport.pid);
        tput[s].push(await throughput(sides[s].client, 'add', ARGS, 2000, 8));
        cpu[s] += (cpuUs(sides[s].transport.pid) - cpu0) / (2000 * ROUNDS);
      }
    }
    await Promise.all(sides.map((s) => s.client.close()));
    for (const l of [...lat, ...tput]) l.sort((a, b) => a - b);

    const compare = (a: number, b: number, what: string) => {
      rows.push(
        { metric: `stdio tools/call p50, ${what}`, unit: 'us', weld: percentile(lat[a], 50), baseline: percentile(lat[b], 50) },
        { metric: `stdio tools/call p99, ${what}`, unit: 'us', weld: percentile(lat[a], 99), baseline: percentile(lat[b], 99) },
        {
          metric: `throughput 8 in flight, ${what}`,
          unit: 'calls/s',
          weld: percentile(tput[a], 50),
          baseline: percentile(tput[b], 50),
        },
        { metric: `server CPU per call 8 in flight, ${what}`, unit: 'us', weld: cpu[a], baseline: cpu[b] },
      );
    };
    if (before) compare(0, 2, 'durable replies vs before (rows written after replying)');
    compare(1, 0, 'synchronous=FULL vs NORMAL');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return {
    title: 'Durable replies: a result leaves after its call row is committed',
    rows,
    notes: [
      `The \`add\` example over \`weld serve --stdio\`; ${N} sequential calls and ${ROUNDS} runs of 2000 calls with 8 in flight per side, ` +
        'the sides alternating round by round. "Weld" is the first named, "baseline" the second. Default durability: WAL with ' +
        'synchronous=NORMAL (a commit survives Weld being killed, not a power cut); WELD_DB_SYNCHRONOUS=full adds an fsync per group commit.',
    ],
  };
}
