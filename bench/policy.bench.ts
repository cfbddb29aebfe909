import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src-main/engine/log.js';
import { resolveSource } from '../src-main/engine/runtime/sources.js';
import { createWeld, type Weld } from '../src-main/engine/weld.js';
import { buildComponent, exampleDir } from '../test/fixtures/build.js';
import { type BenchRow, type BenchSection, distinctCopy, percentile } from './lib.js';

const N = 3000;
const ROUNDS = 6;

async function latencies(weld: Weld, tool: string, args: Record<string, unknown>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = await weld.dispatcher.call({ tool, args, client: 'bench' });
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (r.isError) throw new Error(`${tool}: ${r.content[0]?.text}`);
  }
  return out;
}

/**
 * What enforcement costs a warm call, in-process (no transport noise): the same `add` component with no
 * grants against a copy holding storage, network and environment grants; and the read-file example
 * reading one file under a whole-directory grant (checked inside the worker) against a glob grant
 * (every path put to the engine's checker over the host bridge).
 */
export async function policyBench(): Promise<BenchSection> {
  const home = mkdtempSync(join(tmpdir(), 'weld-bench-policy-'));
  // The data a tool reads lives outside Weld's data dir: no grant may reach Weld's own files.
  const weld = await createWeld({ home, logger: silentLogger, env: { BENCH_TOKEN: 'x' } });
  const data = mkdtempSync(join(tmpdir(), 'weld-bench-data-'));
  try {
    const add = readFileSync(await buildComponent(exampleDir('add')));
    const reader = readFileSync(await buildComponent(exampleDir('read-file')));
    const install = async (bytes: Buffer, id: string) => {
      const f = join(home, `${id}.wasm`);
      writeFileSync(f, bytes);
      await weld.install(await resolveSource(f, { registry: weld.registry }), { id, actor: 'bench' });
    };
    await install(add, 'plain');
    await install(distinctCopy(add, 'granted'), 'granted');
    writeFileSync(join(data, 'note.txt'), 'a short note');
    for (const [kind, target, access] of [
      ['storage', `fs://${data}`, 'read'],
      ['network', 'api.example.com:443', undefined],
      ['environment', 'BENCH_TOKEN', undefined],
    ] as const) {
      weld.policy.grant({ componentId: 'granted', kind, target, access, by: 'bench' });
    }
    await install(distinctCopy(reader, 'dir'), 'dir');
    await install(distinctCopy(reader, 'glob'), 'glob');
    weld.policy.grant({ componentId: 'dir', kind: 'storage', target: `fs://${data}`, access: 'read', by: 'bench' });
    weld.policy.grant({ componentId: 'glob', kind: 'storage', target: `fs://${data}/*.txt`, access: 'read', by: 'bench' });

    const sides: [string, Record<string, unknown>][] = [
      ['add', { a: 1, b: 2 }],
      ['granted-add', { a: 1, b: 2 }],
      ['read-file', { path: 'note.txt' }],
      ['glob-read-file', { path: 'note.txt' }],
    ];
    const lat: number[][] = sides.map(() => []);
    for (const [tool, args] of sides) await latencies(weld, tool, args, 300);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [tool, args]] of sides.entries()) lat[i].push(...(await latencies(weld, tool, args, N / ROUNDS)));
    }
    for (const l of lat) l.sort((a, b) => a - b);
    const rows: BenchRow[] = [
      {
        metric: 'add p50: grants held vs none',
        unit: 'us',
        weld: percentile(lat[1], 50),
        baseline: percentile(lat[0], 50),
        target: { max: 1.1 },
      },
      {
        metric: 'read-file p50: glob grant (per-path checks) vs directory grant',
        unit: 'us',
        weld: percentile(lat[3], 50),
        baseline: percentile(lat[2], 50),
        target: { max: 1.1 },
      },
      {
        metric: 'read-file p99: glob vs directory grant',
        unit: 'us',
        weld: percentile(lat[3], 99),
        baseline: percentile(lat[2], 99),
      },
    ];
    return {
      title: 'Policy enforcement on the warm call path (in-process)',
      rows,
      notes: [
        `In-process dispatcher calls (validation, worker round trip, audit row), ${N} per side in ${ROUNDS} alternating rounds. ` +
          'The `add` copies differ only in their grants (storage, network, environment), so the first row is the cost of holding grants ' +
          '(plan built once per worker, granted environment sent with each call). read-file opens and reads one file: under a ' +
          'directory grant the worker checks the path itself (mount, deny globs, real path of the fd); under a glob grant every path ' +
          "also goes to the engine's checker through the synchronous host bridge.",
      ],
    };
  } finally {
    await weld.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
}
