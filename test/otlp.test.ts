import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src-main/engine/log.js';
import { type Endpoints, startEndpoints } from '../src-main/engine/mcp/transports/endpoints.js';
import { resolveSource } from '../src-main/engine/runtime/sources.js';
import { createWeld, type Weld } from '../src-main/engine/weld.js';
import { buildComponent, exampleDir } from './fixtures/build.js';
import { tempHome } from './helpers.js';
import { deadPort } from './oci-registry.js';
import { socketClient } from './transports/engine.js';

// src-main/engine/telemetry/telemetry.test.ts checks the exporter with a stand-in tool. This test runs a
// real component in its sandbox behind a real MCP connection, so the spans carry what the engine saw.

type KeyValue = { key: string; value: { stringValue?: string; intValue?: string } };
interface Span {
  traceId: string;
  spanId: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  events: { name: string; attributes: KeyValue[] }[];
  status: { code: number; message?: string };
}

const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

let home: ReturnType<typeof tempHome>;
let collector: Server;
let page: Server;
let pagePort: number;
let weld: Weld;
let endpoints: Endpoints;
let client: Client;
const received: { path: string; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  const wasm = await buildComponent(exampleDir('fetch'));
  home = tempHome('weld-otlp-');
  collector = createServer(async (req: IncomingMessage, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    received.push({ path: req.url ?? '', body: JSON.parse(raw) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const collectorPort = await listen(collector);
  page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from the granted host'));
  pagePort = await listen(page);

  weld = await createWeld({
    home: home.home,
    logger: silentLogger,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}` },
  });
  const policy = join(home.home, 'policy.yaml');
  writeFileSync(policy, `version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: "127.0.0.1:${pagePort}"\n`);
  await weld.install(await resolveSource(wasm, { policyPath: policy, registry: weld.registry }), { id: 'fetch', actor: 'test' });
  weld.policy.grant({ componentId: 'fetch', kind: 'network', target: `127.0.0.1:${pagePort}`, by: 'test' });
  endpoints = await startEndpoints(weld, { socket: join(home.home, 'weld.sock') });
  client = await socketClient(endpoints.socketPath as string, 'otel-client', '3.1');
}, 180_000);

afterAll(async () => {
  await client?.close().catch(() => {});
  await endpoints?.close();
  await weld?.stop();
  for (const s of [collector, page]) if (s?.listening) await close(s);
  home?.cleanup();
});

describe('OTLP export of real component calls', () => {
  it('sends one span per call with tool, digest, client, duration, outcome and the denied capability as an event', async () => {
    const ok = await client.callTool({ name: 'fetch-text', arguments: { url: `http://127.0.0.1:${pagePort}/` } });
    expect(ok.content).toEqual([{ type: 'text', text: 'hello from the granted host' }]);
    const otherPort = await deadPort();
    const denied = await client.callTool({ name: 'fetch-text', arguments: { url: `http://127.0.0.1:${otherPort}/secret` } });
    expect(denied.isError).toBe(true);
    // stop() flushes the exporter: everything recorded so far reaches the collector.
    await client.close();
    await endpoints.close();
    const digest = weld.store.components.get('fetch')?.digest;
    await weld.stop();

    const batches = received.filter((r) => r.path === '/v1/traces');
    const resourceSpans = batches.flatMap(
      (b) =>
        (b.body as { resourceSpans: { resource: { attributes: KeyValue[] }; scopeSpans: { spans: Span[] }[] }[] }).resourceSpans,
    );
    expect(resourceSpans[0].resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'weld' } });
    const spans = resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans));
    expect(spans.map((s) => s.name)).toEqual(['tools/call fetch-text', 'tools/call fetch-text']);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(2);

    const attr = (s: Span, key: string) => {
      const v = s.attributes.find((a) => a.key === key)?.value;
      return v?.stringValue ?? v?.intValue;
    };
    for (const s of spans) {
      expect(attr(s, 'gen_ai.tool.name')).toBe('fetch-text');
      expect(attr(s, 'mcp.client')).toBe('otel-client/3.1');
      expect(attr(s, 'weld.component.id')).toBe('fetch');
      expect(attr(s, 'weld.component.digest')).toBe(digest);
      // The span's length is the measured call duration (a real guest HTTP round trip takes > 0.1 ms).
      const durationUs = Number(attr(s, 'weld.call.duration_us'));
      expect(durationUs).toBeGreaterThan(100);
      const spanUs = Number((BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1000n);
      expect(Math.abs(spanUs - durationUs)).toBeLessThanOrEqual(1);
    }
    const [good, bad] = spans;
    expect(attr(good, 'weld.call.status')).toBe('ok');
    expect(good.status).toEqual({ code: 1 });
    expect(good.events).toEqual([]);

    expect(attr(bad, 'weld.call.status')).toBe('denied');
    expect(bad.status.code).toBe(2);
    expect(bad.events).toHaveLength(1);
    expect(bad.events[0].name).toBe('capability.denied');
    const eventAttr = (k: string) => bad.events[0].attributes.find((a) => a.key === k)?.value.stringValue;
    expect(eventAttr('weld.capability.kind')).toBe('network');
    expect(eventAttr('weld.capability.target')).toContain(`${otherPort}`);
    expect(eventAttr('weld.decided_by')).toBe('weld:headless');

    type Metric = { name: string; sum?: { dataPoints: { attributes: KeyValue[]; asInt: string }[] } };
    const last = received.filter((r) => r.path === '/v1/metrics').at(-1)?.body as {
      resourceMetrics: { scopeMetrics: { metrics: Metric[] }[] }[];
    };
    const all = last.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const points = (name: string) =>
      all
        .find((m) => m.name === name)
        ?.sum?.dataPoints.map((p) => `${p.attributes.map((a) => a.value.stringValue).join(' ')} ${p.asInt}`);
    expect(points('weld.capability.denials')).toEqual(['fetch network 1']);
    expect(points('weld.calls')?.sort()).toEqual(['fetch-text denied 1', 'fetch-text ok 1']);
  });
});
