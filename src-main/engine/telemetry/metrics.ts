import type { EventBus } from '../events.js';
import type { WriterStats } from '../store/recorder.js';

/** Latency buckets in seconds: tool calls range from ~50 us (warm) to the 30 s timeout. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1, 5, 30];

export interface Histogram {
  counts: number[]; // one per bucket, plus +Inf last; not cumulative
  sum: number;
  count: number;
}

/**
 * In-memory counters fed by the event bus. Updating them is a couple of Map lookups per call, so they
 * are always on; exporters (Prometheus text, OTLP) read snapshots.
 */
export class Metrics {
  readonly startedAt = Date.now();
  readonly calls = new Map<string, number>(); // key: tool \0 status
  readonly denials = new Map<string, number>(); // key: component \0 kind
  readonly latency = new Map<string, Histogram>(); // key: tool

  constructor(
    events: EventBus,
    /** The call log writer's counters: back-pressure (calls waiting for it) shows here. */
    readonly writer?: () => Readonly<WriterStats>,
  ) {
    events.on('call.finished', (e) => {
      bump(this.calls, `${e.tool}\0${e.status}`);
      let h = this.latency.get(e.tool);
      if (!h) {
        h = { counts: new Array(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
        this.latency.set(e.tool, h);
      }
      const seconds = e.durationUs / 1e6;
      let i = 0;
      while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]) i++;
      h.counts[i] += 1;
      h.sum += seconds;
      h.count += 1;
    });
    events.on('capability.decided', (e) => {
      if (e.decision === 'denied') bump(this.denials, `${e.componentId}\0${e.kind}`);
    });
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

const escapeLabel = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
const labels = (pairs: [string, string][]) => `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;

/** Prometheus text exposition format 0.0.4. */
export function renderPrometheus(m: Metrics): string {
  const out: string[] = ['# HELP weld_calls_total Tool calls by tool and outcome.', '# TYPE weld_calls_total counter'];
  for (const [key, n] of m.calls) {
    const [tool, status] = key.split('\0');
    out.push(
      `weld_calls_total${labels([
        ['tool', tool],
        ['status', status],
      ])} ${n}`,
    );
  }
  out.push('# HELP weld_capability_denials_total Capability requests denied, by component and kind.');
  out.push('# TYPE weld_capability_denials_total counter');
  for (const [key, n] of m.denials) {
    const [component, kind] = key.split('\0');
    out.push(
      `weld_capability_denials_total${labels([
        ['component', component],
        ['kind', kind],
      ])} ${n}`,
    );
  }
  out.push('# HELP weld_call_duration_seconds Tool call latency.');
  out.push('# TYPE weld_call_duration_seconds histogram');
  for (const [tool, h] of m.latency) {
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((le, i) => {
      cumulative += h.counts[i];
      out.push(
        `weld_call_duration_seconds_bucket${labels([
          ['tool', tool],
          ['le', String(le)],
        ])} ${cumulative}`,
      );
    });
    out.push(
      `weld_call_duration_seconds_bucket${labels([
        ['tool', tool],
        ['le', '+Inf'],
      ])} ${h.count}`,
    );
    out.push(`weld_call_duration_seconds_sum${labels([['tool', tool]])} ${h.sum}`);
    out.push(`weld_call_duration_seconds_count${labels([['tool', tool]])} ${h.count}`);
  }
  if (m.writer) out.push(...writerMetrics(m.writer()));
  return `${out.join('\n')}\n`;
}

function writerMetrics(w: Readonly<WriterStats>): string[] {
  const rows: [string, 'gauge' | 'counter', string, number][] = [
    ['weld_store_pending_rows', 'gauge', 'Call, capability and audit rows queued and not yet committed.', w.pending],
    ['weld_store_commits_total', 'counter', 'Group commits of the call log (one per event-loop turn with rows).', w.commits],
    ['weld_store_committed_rows_total', 'counter', 'Rows committed by those group commits.', w.rowsCommitted],
    ['weld_store_commit_seconds_total', 'counter', 'Time spent committing, on the main thread.', w.commitSeconds],
    [
      'weld_store_commit_failures_total',
      'counter',
      'Commits that failed and were retried (no row is dropped).',
      w.commitFailures,
    ],
    ['weld_store_waiting_calls', 'gauge', 'Calls waiting now for the call log writer before they run.', w.waitingCalls],
    ['weld_store_call_waits_total', 'counter', 'Calls that had to wait for the call log writer.', w.waits],
    ['weld_store_call_wait_seconds_total', 'counter', 'Time calls spent waiting for the call log writer.', w.waitSeconds],
    [
      'weld_store_refused_calls_total',
      'counter',
      'Calls refused because the call log writer did not catch up in time.',
      w.refused,
    ],
  ];
  return rows.flatMap(([name, type, help, value]) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`]);
}
