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
  const points = buckets.flatMap((b, i) => (b.count ? [{ x: PAD.l + i * bw + bw / 2, y: y(b.maxUs, maxUs), at: b.from }] : []));
  const line = points.map((p) => `${p.x},${p.y}`).join(' ');
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
        {points.length > 1 && <polyline className="latency" points={line} />}
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
        <text className="tick" x={PAD.l} y={H - 4}>
          {formatTime(buckets[0].from)}
        </text>
        <text className="tick" x={W - PAD.r} y={H - 4} textAnchor="end">
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
