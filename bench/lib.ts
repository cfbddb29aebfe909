import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { buildComponent, exampleDir } from '../test/fixtures/build.js';

const WELD = join(import.meta.dirname, '..', 'bin', 'weld.js');

/** One line of bench/RESULTS.md: Weld's figure against the baseline measured in the same run. */
export interface BenchRow {
  metric: string;
  unit: string;
  weld: number;
  baseline: number;
  /** e.g. '<= 1.5x' ; compared against weld/baseline. */
  target?: { max?: number; min?: number };
  /** The same figure in another section (another harness), for the side-by-side table. */
  figure?: string;
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

export function renderSection(s: BenchSection, meta = ''): string {
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
  const parts = [`## ${s.title}\n`];
  if (meta) parts.push(`${meta}\n`);
  if (s.rows.length) parts.push('| metric | Weld | baseline | ratio | target | met |\n|---|---|---|---|---|---|');
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
  return parts.join('\n');
}

/**
 * Replaces each measured section's block in RESULTS.md (between `<!-- bench:NAME -->` markers) and
 * keeps everything else: the sections not run this time and the analysis written by hand.
 */
export function updateResults(text: string, blocks: Map<string, string>): string {
  let out = text.trim() ? text : '# Benchmark results\n';
  for (const [name, body] of blocks) {
    const open = `<!-- bench:${name} -->`;
    const close = `<!-- /bench:${name} -->`;
    const block = `${open}\n${body.trim()}\n${close}`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start >= 0 && end > start) {
      out = out.slice(0, start) + block + out.slice(end + close.length);
      continue;
    }
    // A new section goes after the last generated one (or the title), before the hand-written part.
    const last = out.lastIndexOf('<!-- /bench:');
    const at = last >= 0 ? out.indexOf('-->', last) + 3 : out.indexOf('\n') + 1 || out.length;
    out = `${out.slice(0, at)}\n\n${block}\n${out.slice(at)}`;
  }
  return `${out.replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

/** The same component with a distinct digest (one more custom section), to install it again under another id. */
export function distinctCopy(bytes: Uint8Array, tag: string): Buffer {
  const name = Buffer.from(`weld-bench-${tag}`);
  const body = Buffer.concat([Buffer.from([name.length]), name]);
  return Buffer.concat([bytes, Buffer.from([0, body.length]), body]);
}

/** Runs the built `weld` CLI against a data dir. */
export function weldCli(home: string, args: string[]): string {
  return execFileSync(process.execPath, [WELD, ...args], { env: { ...process.env, WELD_HOME: home }, encoding: 'utf8' });
}

/** A fresh data dir with the componentize-js `add` example installed, as `weld serve` finds it. */
export async function weldHomeWithAdd(tag: string): Promise<{ home: string; wasm: Buffer; remove: () => void }> {
  const home = mkdtempSync(join(tmpdir(), `weld-bench-${tag}-`));
  const wasm = readFileSync(await buildComponent(exampleDir('add')));
  const file = join(home, 'add.wasm');
  writeFileSync(file, wasm);
  weldCli(home, ['install', file]);
  return { home, wasm, remove: () => rmSync(home, { recursive: true, force: true }) };
}

/** One table of the figures both harnesses measure (rows sharing a `figure`), ratio against ratio. */
export function sideBySide(own: BenchSection, other: BenchSection): BenchSection {
  const title = 'Both harnesses side by side (Weld / plain, same run)';
  const lines: string[] = [];
  for (const row of own.rows) {
    const match = row.figure && other.rows.find((r) => r.figure === row.figure);
    if (!match) continue;
    lines.push(`| ${row.figure} | ${ratio(row).toFixed(2)}x | ${ratio(match).toFixed(2)}x |`);
  }
  // Written even when one harness measured nothing, so no table from an older run stays behind.
  if (!lines.length) return { title, rows: [], notes: [`Not measured in the last run: ${other.notes?.[0] ?? 'no figures'}`] };
  const table = [`| figure | ${own.title} | ${other.title} |`, '|---|---|---|', ...lines].join('\n');
  return { title, rows: [], notes: [table] };
}
