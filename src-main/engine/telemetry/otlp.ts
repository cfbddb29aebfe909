import { randomBytes } from 'node:crypto';
import type { EventBus, WeldEvents } from '../events.js';
import type { Logger } from '../log.js';
import { LATENCY_BUCKETS, type Metrics } from './metrics.js';

/*
 * OTLP/HTTP JSON export, written here rather than with the OpenTelemetry JS SDK: measured on this
 * machine the SDK's trace+metrics exporters install 55 MB and take ~165 ms to import, more than Weld's
 * whole cold-start budget, and a span per call through the SDK costs more than the call itself.
 * The wire format (opentelemetry-proto JSON encoding) is small and stable.
 */

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };
interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: 2; // SPAN_KIND_SERVER
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  events: { timeUnixNano: string; name: string; attributes: KeyValue[] }[];
  status: { code: 1 | 2; message?: string };
}

export interface OtlpConfig {
  tracesUrl: string;
  metricsUrl: string;
  headers: Record<string, string>;
}

/** Reads the standard OTEL_EXPORTER_OTLP_* variables; undefined when no endpoint is configured. */
export function otlpConfigFromEnv(env: Record<string, string | undefined>): OtlpConfig | undefined {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && `${base}/v1/traces`);
  const metricsUrl = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? (base && `${base}/v1/metrics`);
  if (!tracesUrl || !metricsUrl) return undefined;
  for (const u of [tracesUrl, metricsUrl]) {
    const proto = URL.canParse(u) ? new URL(u).protocol : '';
    if (proto !== 'http:' && proto !== 'https:') throw new Error(`OTLP endpoint must be an http(s) URL, got "${u}"`);
  }
  const headers: Record<string, string> = {};
  for (const pair of (env.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) headers[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return { tracesUrl, metricsUrl, headers };
}

const str = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): KeyValue => ({ key, value: { intValue: String(Math.round(v)) } });
const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

interface OpenSpan {
  traceId: string;
  spanId: string;
  startMs: number;
  events: OtlpSpan['events'];
}

const MAX_OPEN = 10_000;
const MAX_QUEUE = 4096;

/**
 * Turns engine events into one span per tool call with its capability decisions as span events, and
 * ships batches off the call path. Export failures are logged and the batch dropped: telemetry must
 * never slow down or break tool calls.
 */
export class OtlpExporter {
  readonly #open = new Map<string, OpenSpan>();
  #queue: OtlpSpan[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #unsubscribe: (() => void)[] = [];
  #inflight: Promise<void> = Promise.resolve();

  constructor(
    private readonly cfg: OtlpConfig,
    events: EventBus,
    private readonly deps: {
      metrics: Metrics;
      logger: Logger;
      serviceVersion: string;
      digestOf: (componentId: string) => string | undefined;
      flushMs?: number;
      metricsMs?: number;
    },
  ) {
    this.#unsubscribe.push(
      events.on('call.started', (e) => {
        if (this.#open.size >= MAX_OPEN) return;
        this.#open.set(e.callId, { traceId: hex(16), spanId: hex(8), startMs: e.at, events: [] });
      }),
      events.on('capability.decided', (e) => {
        const span = e.callId ? this.#open.get(e.callId) : undefined;
        span?.events.push({
          timeUnixNano: nanos(Date.now()),
          name: `capability.${e.decision}`,
          attributes: [
            str('weld.capability.kind', e.kind),
            str('weld.capability.target', e.target),
            str('weld.decided_by', e.by),
          ],
        });
      }),
      events.on('call.finished', (e) => this.#finish(e)),
    );
    const flush = setInterval(() => this.flush(), deps.flushMs ?? 1000);
    const metricsTimer = setInterval(() => this.exportMetrics(), deps.metricsMs ?? 10_000);
    flush.unref();
    metricsTimer.unref();
    this.#timers.push(flush, metricsTimer);
  }

  #finish(e: WeldEvents['call.finished']): void {
    const open = this.#open.get(e.callId);
    if (!open) return;
    this.#open.delete(e.callId);
    const attributes = [str('mcp.method.name', 'tools/call'), str('gen_ai.tool.name', e.tool), str('weld.call.status', e.status)];
    if (e.client) attributes.push(str('mcp.client', e.client));
    if (e.componentId) {
      attributes.push(str('weld.component.id', e.componentId));
      const digest = this.deps.digestOf(e.componentId);
      if (digest) attributes.push(str('weld.component.digest', digest));
    }
    attributes.push(int('weld.call.duration_us', e.durationUs));
    if (this.#queue.length >= MAX_QUEUE) this.#queue.shift();
    this.#queue.push({
      traceId: open.traceId,
      spanId: open.spanId,
      name: `tools/call ${e.tool}`,
      kind: 2,
      startTimeUnixNano: nanos(open.startMs),
      endTimeUnixNano: nanos(open.startMs + e.durationUs / 1000),
      attributes,
      events: open.events,
      status: e.status === 'ok' ? { code: 1 } : { code: 2, message: e.error ?? e.status },
    });
  }

  #resource() {
    return { attributes: [str('service.name', 'weld'), str('service.version', this.deps.serviceVersion)] };
  }

  #post(url: string, body: unknown): Promise<void> {
    const send = async () => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...this.cfg.headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(5000),
        });
        if (!res.ok) this.deps.logger.warn('OTLP export rejected', { url, status: res.status });
      } catch (err) {
        this.deps.logger.warn('OTLP export failed', { url, err: String(err) });
      }
    };
    // Serialise exports so a slow collector never has more than one batch of ours in flight.
    this.#inflight = this.#inflight.then(send);
    return this.#inflight;
  }

  flush(): Promise<void> {
    if (this.#queue.length === 0) return this.#inflight;
    const spans = this.#queue;
    this.#queue = [];
    return this.#post(this.cfg.tracesUrl, {
      resourceSpans: [
        { resource: this.#resource(), scopeSpans: [{ scope: { name: 'weld', version: this.deps.serviceVersion }, spans }] },
      ],
    });
  }

  exportMetrics(): Promise<void> {
    const m = this.deps.metrics;
    const start = nanos(m.startedAt);
    const now = nanos(Date.now());
    const callPoints = [...m.calls].map(([key, n]) => {
      const [tool, status] = key.split('\0');
      return {
        attributes: [str('tool', tool), str('status', status)],
        startTimeUnixNano: start,
        timeUnixNano: now,
        asInt: String(n),
      };
    });
    const latencyPoints = [...m.latency].map(([tool, h]) => ({
      attributes: [str('tool', tool)],
      startTimeUnixNano: start,
      timeUnixNano: now,
      count: String(h.count),
      sum: h.sum,
      bucketCounts: h.counts.map(String),
      explicitBounds: LATENCY_BUCKETS,
    }));
    const denialPoints = [...m.denials].map(([key, n]) => {
      const [component, kind] = key.split('\0');
      return {
        attributes: [str('component', component), str('kind', kind)],
        startTimeUnixNano: start,
        timeUnixNano: now,
        asInt: String(n),
      };
    });
    const CUMULATIVE = 2;
    return this.#post(this.cfg.metricsUrl, {
      resourceMetrics: [
        {
          resource: this.#resource(),
          scopeMetrics: [
            {
              scope: { name: 'weld', version: this.deps.serviceVersion },
              metrics: [
                {
                  name: 'weld.calls',
                  unit: '1',
                  sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: callPoints },
                },
                {
                  name: 'weld.capability.denials',
                  unit: '1',
                  sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: denialPoints },
                },
                {
                  name: 'weld.call.duration',
                  unit: 's',
                  histogram: { aggregationTemporality: CUMULATIVE, dataPoints: latencyPoints },
                },
              ],
            },
          ],
        },
      ],
    });
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    for (const u of this.#unsubscribe) u();
    await this.flush();
    await this.exportMetrics();
  }
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
