import { describe, expect, it } from 'vitest';
import { type BenchSection, sideBySide, updateResults } from '../../bench/lib.js';
import { sharedBenchDir } from '../../bench/shared-harness.js';

describe('bench/RESULTS.md as npm run bench rewrites it', () => {
  const text = [
    '# Benchmark results',
    '',
    '<!-- bench:stdio -->\nold stdio figures\n<!-- /bench:stdio -->',
    '',
    '## Analysis written by hand',
    'keep me',
    '',
  ].join('\n');

  it('replaces the sections that ran and keeps the others and the hand-written analysis', () => {
    const out = updateResults(text, new Map([['stdio', 'new stdio figures']]));
    expect(out).toContain('<!-- bench:stdio -->\nnew stdio figures\n<!-- /bench:stdio -->');
    expect(out).not.toContain('old stdio figures');
    expect(out).toContain('## Analysis written by hand\nkeep me');
  });

  it('puts a section it has not seen before after the last generated one, before the analysis', () => {
    const out = updateResults(text, new Map([['shared', 'shared figures']]));
    expect(out.indexOf('<!-- bench:shared -->')).toBeGreaterThan(out.indexOf('<!-- /bench:stdio -->'));
    expect(out.indexOf('<!-- bench:shared -->')).toBeLessThan(out.indexOf('## Analysis written by hand'));
  });

  it('says the side-by-side table was not measured when the shared harness was absent, instead of keeping an old one', () => {
    const own: BenchSection = { title: 'own', rows: [{ metric: 'p50', unit: 'ms', weld: 2, baseline: 1, figure: 'p50' }] };
    const absent: BenchSection = { title: 'shared', rows: [], notes: ['The shared harness was not found at /x'] };
    expect(sideBySide(own, absent).notes?.[0]).toMatch(/^Not measured in the last run: The shared harness was not found/);
    const present: BenchSection = { title: 'shared', rows: [{ metric: 'p50', unit: 'ms', weld: 3, baseline: 1, figure: 'p50' }] };
    expect(sideBySide(own, present).notes?.[0]).toContain('| p50 | 2.00x | 3.00x |');
  });

  it('finds the shared harness from --shared-bench, then WELD_SHARED_BENCH, then ../shared/bench', () => {
    expect(sharedBenchDir(['shared', '--shared-bench', '/opt/h'], { WELD_SHARED_BENCH: '/env/h' }).dir).toBe('/opt/h');
    expect(sharedBenchDir([], { WELD_SHARED_BENCH: '/env/h' })).toEqual({ dir: '/env/h', from: '$WELD_SHARED_BENCH' });
    expect(sharedBenchDir([], {}).dir).toMatch(/\/shared\/bench$/);
    expect(() => sharedBenchDir(['--shared-bench'], {})).toThrow(/needs a directory/);
  });
});
