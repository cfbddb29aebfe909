import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { errorResult, textResult } from '../../src-main/engine/mcp/tool-table.js';
import { startTestWeld, type TestWeld } from './engine.js';

let t: TestWeld | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const u = new URL(url);
  return new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Adds tools that fail, and that report a denied capability the way the component host does. */
function addProbeTools(t: TestWeld): void {
  t.weld.tools.add([
    {
      name: 'fails',
      description: 'always answers with a tool error',
      inputSchema: { type: 'object', properties: {} },
      componentId: 'probe',
      invoke: async () => errorResult('no luck'),
    },
    {
      name: 'snoop',
      description: 'touches a host it was not granted',
      inputSchema: { type: 'object', properties: {} },
      componentId: 'probe',
      async invoke(_args, ctx) {
        t.weld.events.emit('capability.decided', {
          requestId: null,
          callId: ctx.callId,
          componentId: 'probe',
          kind: 'network',
          target: 'evil.example:443',
          decision: 'denied',
          by: 'weld:headless',
        });
        return textResult('blocked');
      },
    },
  ]);
}

describe('Prometheus /metrics on the local HTTP endpoint', () => {
  it('counts calls by tool and outcome, denials and latency from real MCP calls', async () => {
    t = await startTestWeld({ http: 0 });
    addProbeTools(t);
    const url = t.endpoints.httpUrl as string;
    const token = t.endpoints.token as string;
    const client = new Client({ name: 'metrics-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    );
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'add', arguments: { a: i, b: 1 } });
    await client.callTool({ name: 'fails', arguments: {} });
    await client.callTool({ name: 'snoop', arguments: {} });
    await client.close();

    const res = await get(url, '/metrics', { Authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = res.body.split('\n');
    expect(lines).toContain('weld_calls_total{tool="add",status="ok"} 3');
    expect(lines).toContain('weld_calls_total{tool="fails",status="error"} 1');
    expect(lines).toContain('weld_capability_denials_total{component="probe",kind="network"} 1');
    expect(lines).toContain('weld_call_duration_seconds_count{tool="add"} 3');
    expect(lines).toContain('weld_call_duration_seconds_bucket{tool="add",le="+Inf"} 3');
    // Buckets are cumulative: every finite bucket of a tool is at most its total.
    const buckets = lines
      .filter((l) => l.startsWith('weld_call_duration_seconds_bucket{tool="add"'))
      .map((l) => Number(l.split(' ')[1]));
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(lines).toContain('# TYPE weld_call_duration_seconds histogram');
  });

  it('needs the same bearer token, Host and no foreign Origin as /mcp, and answers GET only', async () => {
    t = await startTestWeld({ http: 0 });
    const url = t.endpoints.httpUrl as string;
    const port = new URL(url).port;
    const auth = { Authorization: `Bearer ${t.endpoints.token}` };
    const none = await get(url, '/metrics');
    expect(none.status).toBe(401);
    expect(none.body).not.toContain('weld_calls_total');
    expect((await get(url, '/metrics', { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get(url, '/metrics', { ...auth, Host: `attacker.example:${port}` })).status).toBe(403);
    expect((await get(url, '/metrics', { ...auth, Origin: 'https://evil.example' })).status).toBe(403);
    const post = await get(url, '/metrics', auth, 'POST');
    expect(post.status).toBe(405);
    expect(JSON.parse(post.body).error.message).toMatch(/\/metrics answers GET/);
    expect((await get(url, '/metrics?x=1', auth)).status).toBe(200);
  });
});
