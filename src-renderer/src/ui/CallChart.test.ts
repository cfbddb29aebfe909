import { describe, expect, it } from 'vitest';
import { runs, timeTicks } from './CallChart.js';

describe('the live log chart', () => {
  it('labels the time axis at round times across the span, not only its start', () => {
    const start = Date.UTC(2026, 0, 1, 10, 3, 20);
    const ticks = timeTicks(start, start + 30 * 60_000, 5);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(5);
    const step = ticks[1] - ticks[0];
    expect([5, 15, 30].map((m) => m * 60_000)).toContain(step);
    for (const t of ticks) expect(t >= start && t <= start + 30 * 60_000).toBe(true);
    expect(new Date(ticks[0]).getSeconds()).toBe(0);
  });

  it('breaks the latency line where nothing happened', () => {
    const buckets = [1, 2, 0, 0, 3, 0, 4, 5].map((count) => ({ count }));
    expect(runs(buckets, (b) => b.count > 0).map((r) => r.map((p) => p.index))).toEqual([[0, 1], [4], [6, 7]]);
  });
});
