import { type RefObject, useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import type { CallInfo } from '../../../src-preload/api.js';
import { formatDuration, formatTime } from '../format.js';

type Call = z.infer<typeof CallInfo>;
const H = 120;
const PAD = { l: 36, r: 44, t: 10, b: 20 };
const BUCKETS = 30;

export interface Bucket {
  from: number;
  count: number;
  errors: number;
  /** Slowest call in the bucket, µs; 0 when empty. */
  maxUs: number;
}

/** Spreads calls over equal time buckets from the oldest shown call (at least one minute) up to now. */
export function bucketCalls(calls: readonly Call[], now: number): Bucket[] {
  const oldest = calls.reduce((m, c) => Math.min(m, c.startedAt), now);
  const span = Math.max(now - oldest, 60_000);
  const size = span / BUCKETS;
  const start = now - span;
  const buckets: Bucket[] = Array.from({ length: BUCKETS }, (_, i) => ({
    from: start + i * size,
    count: 0,
    errors: 0,
    maxUs: 0,
  }));
  for (const c of calls) {
    const i = Math.min(BUCKETS - 1, Math.max(0, Math.floor((c.startedAt - start) / size)));
    const b = buckets[i];
    b.count += 1;
    if (c.status !== 'ok') b.errors += 1;
    b.maxUs = Math.max(b.maxUs, c.durationUs);
  }
  return buckets;
}

const STEPS_MS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 7 * 86_400].map((s) => s * 1000);

/**
 * Axis ticks at round times (every 5 min, every hour…) between start and end, at most `max` of them,
 * so a person can read when something happened, not only where the chart starts.
 */
export function timeTicks(start: number, end: number, max = 5): number[] {
  const span = end - start;
  const step = STEPS_MS.find((s) => span / s <= max) ?? STEPS_MS[STEPS_MS.length - 1];
  // Round in local time so "every hour" falls on the hour where the person is.
  const offset = new Date(start).getTimezoneOffset() * 60_000;
  const ticks: number[] = [];
  for (let t = Math.ceil((start - offset) / step) * step + offset; t <= end; t += step) ticks.push(t);
  return ticks;
}

/** Runs of consecutive buckets that had calls: the latency line is drawn within a run, never across a gap. */
export function runs<T>(items: readonly T[], has: (t: T) => boolean): { index: number; item: T }[][] {
  const out: { index: number; item: T }[][] = [];
  let current: { index: number; item: T }[] = [];
  items.forEach((item, index) => {
    if (has(item)) current.push({ index, item });
    else if (current.length) {
      out.push(current);
      current = [];
    }
  });
  if (current.length) out.push(current);
  return out;
}

/** Calls per interval as bars, the slowest call per interval as a line. Plain SVG: no chart library to ship. */
export function CallChart({ calls, now }: { calls: readonly Call[]; now: number }) {
  const ref = useRef<HTMLElement>(null);
  const W = useWidth(ref, 640);
  const buckets = bucketCalls(calls, now);
  const maxCount = Math.max(1, ...buckets.map((b) => b.count));
  const maxUs = Math.max(1, ...buckets.map((b) => b.maxUs));
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const bw = iw / BUCKETS;
  const y = (v: number, max: number) => PAD.t + ih - (v / max) * ih;
  const point = (i: number, b: Bucket) => ({ x: PAD.l + i * bw + bw / 2, y: y(b.maxUs, maxUs), at: b.from });
  const segments = runs(buckets, (b) => b.count > 0).map((run) => run.map(({ index, item }) => point(index, item)));
  const points = segments.flat();
  const start = buckets[0].from;
  const x = (t: number) => PAD.l + ((t - start) / (now - start)) * iw;
  const ticks = timeTicks(start, now, Math.max(2, Math.floor(iw / 90)));
  const total = calls.length;
  const failed = calls.filter((c) => c.status !== 'ok').length;
  return (
    <figure className="chart" ref={ref}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${total} calls since ${formatTime(buckets[0].from)}, ${failed} not ok, slowest ${formatDuration(maxUs === 1 ? 0 : maxUs)}`}
      >
        <line className="axis" x1={PAD.l} x2={W - PAD.r} y1={PAD.t + ih} y2={PAD.t + ih} />
        {buckets.map((b, i) =>
          b.count ? (
            <g key={b.from}>
              <rect
                className="bar"
                x={PAD.l + i * bw + 1}
                width={bw - 2}
                y={y(b.count, maxCount)}
                height={PAD.t + ih - y(b.count, maxCount)}
              />
              {b.errors > 0 && (
                <rect
                  className="bar-error"
                  x={PAD.l + i * bw + 1}
                  width={bw - 2}
                  y={y(b.errors, maxCount)}
                  height={PAD.t + ih - y(b.errors, maxCount)}
                />
              )}
            </g>
          ) : null,
        )}
        {ticks.map((t) => (
          <g key={t}>
            <line className="gridline" x1={x(t)} x2={x(t)} y1={PAD.t} y2={PAD.t + ih} />
            <text className="tick" x={x(t)} y={H - 4} textAnchor="middle">
              {formatTick(t, now - start)}
            </text>
          </g>
        ))}
        {segments
          .filter((seg) => seg.length > 1)
          .map((seg) => (
            <polyline key={seg[0].at} className="latency" points={seg.map((p) => `${p.x},${p.y}`).join(' ')} />
          ))}
        {points.map((p) => (
          <circle key={p.at} className="latency-dot" cx={p.x} cy={p.y} r={2.5} />
        ))}
        <text className="tick" x={PAD.l - 6} y={PAD.t + 8} textAnchor="end">
          {maxCount}
        </text>
        <text className="tick" x={PAD.l - 6} y={PAD.t + ih} textAnchor="end">
          0
        </text>
        <text className="tick latency-tick" x={W - PAD.r + 6} y={PAD.t + 8}>
          {maxUs === 1 ? '' : formatDuration(maxUs)}
        </text>
        <text className="tick" x={W - PAD.r + 6} y={H - 4}>
          now
        </text>
      </svg>
      <figcaption className="legend">
        <span className="key bar-key" /> calls <span className="key error-key" /> not ok <span className="key line-key" /> slowest
        call
      </figcaption>
    </figure>
  );
}

const hm = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** Seconds only when the chart spans minutes; the date when it spans days. */
function formatTick(t: number, span: number): string {
  if (span <= 5 * 60_000) return formatTime(t);
  if (span <= 2 * 86_400_000) return hm.format(t);
  return day.format(t);
}

/** The chart draws in real pixels (text stays crisp) and redraws when its box is resized. */
function useWidth(ref: RefObject<HTMLElement | null>, fallback: number): number {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(240, Math.round(el.getBoundingClientRect().width) - 24));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
