import { statSync } from 'node:fs';
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRequest } from '../../src-main/engine/mcp/transports/http-guard.js';
import { loadOrCreateToken, tokenPath } from '../../src-main/engine/mcp/transports/http-token.js';
import { startTestWeld, type TestWeld, until } from './engine.js';

let t: TestWeld | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function httpClient(url: string, token: string, name = 'http-test'): Promise<Client> {
  const client = new Client({ name, version: '2.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}

/** A raw request where every header is ours to choose, Host included (fetch forbids setting Host). */
function raw(url: string, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }) {
  const u = new URL(url);
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: opts.path ?? u.pathname, method: opts.method ?? 'POST', headers: opts.headers },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const initBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});
const jsonHeaders = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

describe('localhost HTTP endpoint', () => {
  it('serves the SDK Streamable HTTP client with the bearer token and records who called', async () => {
    t = await startTestWeld({ http: 0 });
    expect(t.endpoints.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await httpClient(t.endpoints.httpUrl!, t.endpoints.token!, 'vscode-ish');
    expect((await client.listTools()).tools.map((x) => x.name)).toContain('list-components');
    expect((await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })).structuredContent).toEqual({ value: 5 });
    const progress: number[] = [];
    await client.callTool({ name: 'wait', arguments: { ms: 10 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    expect(progress).toEqual([0, 1]);
    expect(t.endpoints.connections()).toBe(1);
    await client.close();
    t.weld.store.recorder.flush();
    expect(t.weld.store.calls.list({ tool: 'add' })[0]).toMatchObject({ client: 'vscode-ish/2.0.0', status: 'ok' });
  });

  it('keeps one token, stored owner-only, across restarts', async () => {
    t = await startTestWeld({ http: 0 });
    const path = tokenPath(t.home);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateToken(t.home)).toBe(t.endpoints.token);
    expect(t.endpoints.token!.length).toBeGreaterThanOrEqual(43);
  });

  it('refuses a request without the token or with a wrong one (401, JSON error, no session)', async () => {
    t = await startTestWeld({ http: 0 });
    const url = t.endpoints.httpUrl!;
    for (const auth of [undefined, 'Bearer wrong-token', `Basic ${t.endpoints.token}`, `Bearer ${t.endpoints.token}x`]) {
      const res = await raw(url, { headers: { ...jsonHeaders, ...(auth ? { Authorization: auth } : {}) }, body: initBody });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(JSON.parse(res.body)).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringMatching(/Unauthorized/) } });
    }
    expect(t.endpoints.connections()).toBe(0);
  });

  it('refuses DNS-rebinding Hosts and browser Origins with 403, even with the right token', async () => {
    t = await startTestWeld({ http: 0 });
    const url = t.endpoints.httpUrl!;
    const port = new URL(url).port;
    const auth = { Authorization: `Bearer ${t.endpoints.token}` };
    // A page on attacker.example whose name now resolves to 127.0.0.1 sends Host: attacker.example.
    const rebinding = await raw(url, { headers: { ...jsonHeaders, ...auth, Host: `attacker.example:${port}` }, body: initBody });
    expect(rebinding.status).toBe(403);
    expect(JSON.parse(rebinding.body).error.message).toMatch(/Host "attacker.example:\d+" is not allowed/);
    // A cross-site fetch from any web page carries its Origin.
    for (const origin of ['https://evil.example', `http://localhost:${Number(port) + 1}`, 'null']) {
      const res = await raw(url, { headers: { ...jsonHeaders, ...auth, Origin: origin }, body: initBody });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body).error.message).toMatch(/web pages may not call Weld/);
    }
    expect(t.endpoints.connections()).toBe(0);
    const ok = await raw(url, { headers: { ...jsonHeaders, ...auth, Origin: `http://localhost:${port}` }, body: initBody });
    expect(ok.status).toBe(200);
  });

  it('answers wrong paths, bad JSON, oversized bodies and unknown sessions with clear JSON errors', async () => {
    t = await startTestWeld({ http: 0 });
    const url = t.endpoints.httpUrl!;
    const headers = { ...jsonHeaders, Authorization: `Bearer ${t.endpoints.token}` };
    const notFound = await raw(url, { path: '/admin', headers, body: initBody });
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.body).error.message).toMatch(/the MCP endpoint is \/mcp/);
    const badJson = await raw(url, { headers, body: '{"jsonrpc":' });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body).error).toMatchObject({ code: -32700 });
    const huge = await raw(url, { headers, body: Buffer.alloc(5 * 1024 * 1024, 0x20) });
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body).error.message).toMatch(/too large.*4 MiB/);
    const noSession = await raw(url, {
      headers: { ...headers, 'Mcp-Session-Id': 'not-a-session' },
      body: '{"jsonrpc":"2.0","id":2,"method":"tools/list"}',
    });
    expect(noSession.status).toBe(404);
    expect(JSON.parse(noSession.body).error.message).toMatch(/Session not found/);
    const notInit = await raw(url, { headers, body: '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' });
    expect(notInit.status).toBe(400);
    const put = await raw(url, { method: 'PUT', headers, body: initBody });
    expect(put.status).toBe(405);
    // And the endpoint still works.
    const client = await httpClient(url, t.endpoints.token!);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });

  it('cancels the call of an HTTP client that disconnects mid-call', async () => {
    t = await startTestWeld({ http: 0 });
    const client = await httpClient(t.endpoints.httpUrl!, t.endpoints.token!);
    const other = await httpClient(t.endpoints.httpUrl!, t.endpoints.token!);
    const abort = new AbortController();
    client.callTool({ name: 'wait', arguments: { ms: 20_000 } }, undefined, { signal: abort.signal }).catch(() => {});
    const staying = other.callTool({ name: 'wait', arguments: { ms: 300 } });
    await until(() => t!.probe.running === 2);
    abort.abort();
    await until(() => t!.probe.aborted.length === 1);
    expect((await staying).content).toEqual([{ type: 'text', text: 'waited' }]);
    await Promise.all([client.close(), other.close()]);
  });

  it('cancels the call when the HTTP connection drops mid-call, without any cancel message', async () => {
    t = await startTestWeld({ http: 0 });
    const url = new URL(t.endpoints.httpUrl!);
    const headers = { ...jsonHeaders, Authorization: `Bearer ${t.endpoints.token}` };
    const init = await raw(url.href, { headers, body: initBody });
    const session = { ...headers, 'Mcp-Session-Id': String(init.headers['mcp-session-id']) };
    await raw(url.href, { headers: session, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
    const call = request({ host: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers: session });
    call.on('error', () => {});
    call.end('{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"wait","arguments":{"ms":20000}}}');
    await until(() => t!.probe.running === 1);
    call.destroy();
    await until(() => t!.probe.aborted.length === 1);
  });

  it('closes a session on DELETE', async () => {
    t = await startTestWeld({ http: 0 });
    const transport = new StreamableHTTPClientTransport(new URL(t.endpoints.httpUrl!), {
      requestInit: { headers: { Authorization: `Bearer ${t.endpoints.token}` } },
    });
    const client = new Client({ name: 'x', version: '1' });
    await client.connect(transport);
    expect(t.endpoints.connections()).toBe(1);
    await transport.terminateSession();
    await until(() => t!.endpoints.connections() === 0);
    await client.close();
  });
});

describe('HTTP request guard', () => {
  const expect_ = { port: 7390, token: 't'.repeat(43) };
  const ok = {
    method: 'POST',
    url: '/mcp',
    host: '127.0.0.1:7390',
    origin: undefined,
    authorization: `Bearer ${'t'.repeat(43)}`,
  };

  it('lets a local client with the token through, by either local name', () => {
    expect(checkRequest(ok, expect_)).toBeNull();
    expect(checkRequest({ ...ok, host: 'LOCALHOST:7390', url: '/mcp?x=1' }, expect_)).toBeNull();
  });

  it('checks Host and Origin before the token, so a web page learns nothing about it', () => {
    expect(checkRequest({ ...ok, host: 'evil.example:7390', authorization: undefined }, expect_)?.status).toBe(403);
    expect(checkRequest({ ...ok, host: '127.0.0.1:7391' }, expect_)?.status).toBe(403);
    expect(checkRequest({ ...ok, host: undefined }, expect_)?.status).toBe(403);
    expect(checkRequest({ ...ok, origin: 'http://127.0.0.1:7390.evil.example', authorization: undefined }, expect_)?.status).toBe(
      403,
    );
  });
});
