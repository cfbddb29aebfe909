import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO, sampleComponent, tempHome } from '../../test/helpers.js';
import { silentLogger } from '../engine/log.js';
import { openStore } from '../engine/store/index.js';
import { createWeld, type Weld } from '../engine/weld.js';
import type { WebServer } from './server.js';
import { startWebUi } from './web-ui.js';

let home: string;
let cleanup: () => void;
let weld: Weld;
let ui: WebServer;

beforeEach(async () => {
  ({ home, cleanup } = tempHome());
  weld = await createWeld({ home, logger: silentLogger });
  weld.store.components.put(sampleComponent());
  ui = await startWebUi(weld, { rendererDir: join(REPO, 'out', 'renderer'), pollMs: 50 });
});
afterEach(async () => {
  await ui.close();
  await weld.stop();
  cleanup();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw node:http so tests control every header, including Host (fetch would not let us forge it). */
function send(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; token?: string | null } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { host: `127.0.0.1:${ui.port}`, ...opts.headers };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? ui.token}`;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ui.port, path, method: opts.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const call = (op: string, input: unknown, opts: Parameters<typeof send>[1] = {}) =>
  send(`/api/${op}`, { method: 'POST', body: JSON.stringify(input), ...opts });

describe('web UI server', () => {
  it('binds to 127.0.0.1 and prints a URL that carries the token', () => {
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/?token=${ui.token}`);
    expect(ui.token.length).toBeGreaterThanOrEqual(40);
  });

  it('serves the built renderer with a strict CSP and no referrer', async () => {
    const r = await send('/', { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<div id="root">');
    expect(r.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['referrer-policy']).toBe('no-referrer');
  });

  it('lists installed components through the API', async () => {
    const r = await call('components.list', {});
    expect(r.status).toBe(200);
    const { value } = JSON.parse(r.body);
    expect(value).toHaveLength(1);
    expect(value[0]).toMatchObject({ id: 'fetch-notes', signatureStatus: 'verified', enabled: true });
    expect(value[0].tools.map((t: { name: string }) => t.name)).toEqual(['search-notes', 'fetch-issue']);
    expect(value[0]).not.toHaveProperty('wit');
  });

  it('refuses an API request without the token or with a wrong one, leaking nothing', async () => {
    for (const token of [null, 'x'.repeat(ui.token.length), `${ui.token}x`]) {
      const r = await call('components.list', {}, { token });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body).error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/token/) });
      expect(r.body).not.toContain('fetch-notes');
    }
  });

  it('refuses a DNS-rebinding request whose Host is another name, even with the token', async () => {
    const r = await call('components.list', {}, { headers: { host: `evil.example:${ui.port}` } });
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/Host not allowed/);
    expect(r.body).not.toContain('fetch-notes');
  });

  it('refuses a cross-origin request from another site', async () => {
    const r = await call(
      'components.setEnabled',
      { id: 'fetch-notes', enabled: false },
      { headers: { origin: 'https://evil.example' } },
    );
    expect(r.status).toBe(403);
    expect(weld.store.components.get('fetch-notes')?.enabled).toBe(true);
  });

  it('answers unknown operations and bad input with 400 and a clear message', async () => {
    const unknown = await call('components.explode', {});
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).error).toEqual({
      code: 'bad-operation',
      message: 'Unknown API operation "components.explode".',
    });

    const bad = await call('components.setEnabled', { id: 'fetch-notes', enabled: 'yes' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toBe('Enabled has the wrong type.');

    const extra = await call('calls.list', { limit: 5, sql: 'DROP TABLE calls' });
    expect(extra.status).toBe(400);
    expect(JSON.parse(extra.body).error.message).toMatch(/sql/);

    const notJson = await send('/api/components.list', { method: 'POST', body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).error.message).toBe('Request body is not valid JSON.');

    const missing = await call('calls.get', { id: 'no-such-call' });
    expect(missing.status).toBe(404);
  });

  it('rejects a body over the size limit with 413 and keeps serving', async () => {
    const r = await send('/api/components.list', { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 0x20) });
    expect(r.status).toBe(413);
    expect((await call('components.list', {})).status).toBe(200);
  });

  it('reads a large body only for the upload operation, and still validates it', async () => {
    const wasmBase64 = Buffer.alloc(3 * 1024 * 1024, 0x41).toString('base64');
    const r = await call('components.analyze', { source: { kind: 'upload', fileName: 'big.wasm', wasmBase64 } });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toMatch(/^Not a WebAssembly file/);
    const other = await call('calls.list', { text: 'x'.repeat(2 * 1024 * 1024) });
    expect(other.status).toBe(413);
  });

  it('does not serve files outside the renderer directory', async () => {
    for (const path of ['/..%2f..%2fpackage.json', '/../package.json', '/assets/%2e%2e/%2e%2e/package.json', '/.env']) {
      const r = await send(path, { token: null });
      expect(r.body).not.toContain('"name": "weld"');
    }
  });

  it('disables a component, records who did it in the audit log and the chain verifies', async () => {
    const r = await call('components.setEnabled', { id: 'fetch-notes', enabled: false });
    expect(JSON.parse(r.body).value.enabled).toBe(false);
    const audit = JSON.parse((await call('audit.list', {})).body).value;
    expect(audit[0]).toMatchObject({ actor: 'user:web-ui', action: 'component.disable', subject: 'fetch-notes' });
    expect(JSON.parse((await call('audit.verify', {})).body).value).toMatchObject({ ok: true, rows: 1 });
    const exported = JSON.parse((await call('audit.export', {})).body).value;
    expect(exported.filename).toMatch(/^weld-audit-.*\.jsonl$/);
    expect(JSON.parse(exported.jsonl.trim())).toMatchObject({ seq: 1, action: 'component.disable' });
  });

  it('streams calls made by another Weld process over SSE', async () => {
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${ui.port}/api/events?token=${ui.token}`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    await reader.read(); // ": connected"

    // Another process: its own store handle on the same database file.
    const other = openStore(join(home, 'weld.db'));
    other.recorder.call({
      id: 'from-elsewhere',
      componentId: 'fetch-notes',
      tool: 'search-notes',
      client: 'claude-desktop/1.0',
      argsSize: 20,
      argsHash: 'h',
      status: 'ok',
      startedAt: Date.now() + 5,
      durationUs: 1234,
      error: null,
      output: 'found 3 notes',
    });
    other.close();

    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes('from-elsewhere') && Date.now() < deadline) text += (await reader.read()).value ?? '';
    controller.abort();
    expect(text).toContain('event: call.finished');
    expect(text).toContain('"client":"claude-desktop/1.0"');
  });
});
