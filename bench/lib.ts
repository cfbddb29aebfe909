import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

/** One line of bench/RESULTS.md: Weld's figure against the baseline measured in the same run. */
export interface BenchRow {
  metric: string;
  unit: string;
  weld: number;
  baseline: number;
  /** e.g. '<= 1.5x' ; compared against weld/baseline. */
  target?: { max?: number; min?: number };
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
  notes?: string[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Sequential tools/call latency in microseconds, after a warm-up. */
export async function callLatency(client: Client, name: string, args: Record<string, unknown>, n: number): Promise<number[]> {
  for (let i = 0; i < Math.min(200, n); i++) await client.callTool({ name, arguments: args });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await client.callTool({ name, arguments: args });
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out.sort((a, b) => a - b);
}

/** Calls per second with `inFlight` concurrent callers for `total` calls. */
export async function throughput(client: Client, name: string, args: Record<string, unknown>, total: number, inFlight = 8) {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        next += 1;
        await client.callTool({ name, arguments: args });
      }
    }),
  );
  return total / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export function ratio(row: BenchRow): number {
  return row.weld / row.baseline;
}

export function meetsTarget(row: BenchRow): boolean | null {
  if (!row.target) return null;
  const r = ratio(row);
  return (row.target.max === undefined || r <= row.target.max) && (row.target.min === undefined || r >= row.target.min);
}

export function renderMarkdown(sections: BenchSection[], meta: string): string {
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
  const parts = [`# Benchmark results\n\n${meta}\n`];
  for (const s of sections) {
    parts.push(`## ${s.title}\n\n| metric | Weld | baseline | ratio | target | met |\n|---|---|---|---|---|---|`);
    for (const r of s.rows) {
      const t = r.target
        ? [r.target.min && `>= ${r.target.min}x`, r.target.max && `<= ${r.target.max}x`].filter(Boolean).join(', ')
        : '';
      const met = meetsTarget(r);
      parts.push(
        `| ${r.metric} | ${fmt(r.weld)} ${r.unit} | ${fmt(r.baseline)} ${r.unit} | ${ratio(r).toFixed(2)}x | ${t} | ${met === null ? '' : met ? 'yes' : 'NO'} |`,
      );
    }
    for (const n of s.notes ?? []) parts.push(`\n${n}`);
    parts.push('');
  }
  return parts.join('\n');
}

/** The same component with a distinct digest (one more custom section), to install it again under another id. */
export function distinctCopy(bytes: Uint8Array, tag: string): Buffer {
  const name = Buffer.from(`weld-bench-${tag}`);
  const body = Buffer.concat([Buffer.from([name.length]), name]);
  return Buffer.concat([bytes, Buffer.from([0, body.length]), body]);
}
