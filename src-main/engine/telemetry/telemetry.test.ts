import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempHome } from '../../../test/helpers.js';
import { silentLogger } from '../log.js';
import { textResult } from '../mcp/tool-table.js';
import { createWeld, type Weld } from '../weld.js';
import { renderPrometheus } from './metrics.js';

interface Received {
  path: string;
  body: Record<string, unknown>;
}

/** A minimal OTLP/HTTP collector on loopback that keeps what it receives. */
async function startCollector() {
  const received: Received[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    received.push({ path: req.url ?? '', body: JSON.parse(raw) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let home: ReturnType<typeof tempHome>;
let collector: Awaited<ReturnType<typeof startCollector>>;
let weld: Weld;

beforeEach(async () => {
  home = tempHome();
  collector = await startCollector();
  weld = await createWeld({ home: home.home, logger: silentLogger, env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } });
  // Stands in for a component whose guest touches a capability during the call: the policy layer
  // reports decisions on the event bus exactly like this.
  weld.tools.add([
    {
      name: 'probe',
      description: 'touches the network',
      inputSchema: { type: 'object', properties: {} },
      componentId: 'probe-component',
      async invoke(_args, ctx) {
        weld.events.emit('capability.decided', {
          requestId: null,
          callId: ctx.callId,
          componentId: 'probe-component',
          kind: 'network',
          target: 'evil.example:443',
          decision: 'denied',
          by: 'policy',
        });
        return textResult('done');
      },
    },
  ]);
});

afterEach(async () => {
  await weld.stop();
  await collector.close();
  home.cleanup();
});

describe('telemetry', () => {
  it('exports one OTLP span per call with capability decisions as span events', async () => {
    await weld.dispatcher.call({ tool: 'list-components', args: {}, client: 'otel-test/1' });
    await weld.dispatcher.call({ tool: 'probe', args: {}, client: 'otel-test/1' });
    await weld.stop();

    const spans = collector.received
      .filter((r) => r.path === '/v1/traces')
      .flatMap((r) => (r.body as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] }).resourceSpans)
      .flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans));
    expect(spans.map((s) => s.name)).toEqual(['tools/call list-components', 'tools/call probe']);
    const probe = spans[1] as { attributes: { key: string; value: { stringValue?: string } }[]; events: { name: string }[] };
    const attr = (k: string) => probe.attributes.find((a) => a.key === k)?.value.stringValue;
    expect(attr('mcp.client')).toBe('otel-test/1');
    expect(attr('weld.component.id')).toBe('probe-component');
    expect(probe.events.map((e) => e.name)).toEqual(['capability.denied']);

    const metrics = collector.received.find((r) => r.path === '/v1/metrics');
    expect(JSON.stringify(metrics?.body)).toContain('weld.call.duration');
  });

  it('renders calls, denials and latency in Prometheus text format', async () => {
    await weld.dispatcher.call({ tool: 'probe', args: {}, client: null });
    await weld.dispatcher.call({ tool: 'probe', args: {}, client: null });
    const text = renderPrometheus(weld.metrics);
    expect(text).toContain('weld_calls_total{tool="probe",status="ok"} 2');
    expect(text).toContain('weld_capability_denials_total{component="probe-component",kind="network"} 2');
    expect(text).toMatch(/weld_call_duration_seconds_count\{tool="probe"\} 2/);
    expect(text).toMatch(/weld_call_duration_seconds_bucket\{tool="probe",le="\+Inf"\} 2/);
  });

  it('keeps serving calls when the collector is down', async () => {
    await collector.close();
    const res = await weld.dispatcher.call({ tool: 'probe', args: {}, client: null });
    expect(res.content[0].text).toBe('done');
  });
});
