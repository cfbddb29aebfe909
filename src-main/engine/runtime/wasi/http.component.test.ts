import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildComponent } from '../../../../test/fixtures/build.js';
import { REPO } from '../../../../test/helpers.js';
import { type BridgeServer, serveBridge } from '../host-bridge.js';
import { createHttpGateway, type HttpDecision } from '../http-gateway.js';
import { HOST_OPS, type HttpRequestPayload } from '../sandbox.js';

/**
 * A real componentize-js guest calling fetch(): StarlingMonkey drives Weld's wasi:http classes in a
 * worker, every request crosses the synchronous host bridge to the engine's gateway, and a local
 * server shows what actually went out.
 */

interface GuestResult {
  status?: number;
  redirected?: boolean;
  location?: string | null;
  /** Status of each response the guest saw, in order. */
  hops: number[];
  text?: string;
  error?: string;
}

let server: Server;
let port: number;
let closedPort: number;
let worker: Worker;
let bridgeServer: BridgeServer;
const hits: string[] = [];
const checks: string[] = [];
const sent: HttpRequestPayload[] = [];

/** Transpiles once per component build; the glue is cached beside the cached component. */
async function transpiled(wasm: string): Promise<string> {
  const dir = `${wasm}.js`;
  if (existsSync(join(dir, 'fetcher.js'))) return dir;
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  const { files } = await transpileBytes(readFileSync(wasm), { name: 'fetcher', instantiation: 'async' });
  const tmp = `${dir}.${process.pid}.tmp`;
  for (const [name, data] of Object.entries(files as Record<string, Uint8Array>)) {
    mkdirSync(dirname(join(tmp, name)), { recursive: true });
    writeFileSync(join(tmp, name), data);
  }
  renameSync(tmp, dir);
  return dir;
}

let nextId = 0;
function guestFetch(url: string, opts: { method?: string; body?: string; follow?: boolean } = {}): Promise<GuestResult> {
  const { method = 'GET', body = '', follow = false } = opts;
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const onMessage = (msg: { id: number; result?: GuestResult; trap?: string; output: string }) => {
      if (msg.id !== id) return;
      worker.off('message', onMessage);
      if (msg.trap) reject(new Error(`guest trapped: ${msg.trap}\n${msg.output}`));
      else resolve(msg.result!);
    };
    worker.on('message', onMessage);
    worker.postMessage({ id, url, method, body, follow });
  });
}

beforeAll(async () => {
  const wasm = await buildComponent(join(REPO, 'test', 'fixtures', 'http-fetch'));
  const dir = await transpiled(wasm);

  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push(`${req.method} ${req.headers.host}${req.url}`);
      if (req.url === '/hop') res.writeHead(302, { location: '/hello' }).end();
      else if (req.url === '/away') res.writeHead(302, { location: `http://elsewhere.test:${port}/hello` }).end();
      else if (req.url === '/big') res.end(Buffer.alloc(64 * 1024, 'x'));
      else res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const granted = [`127.0.0.1:${port}`, `127.0.0.1:${closedPort}`, 'nxdomain.test'];

  // Grants the test server, a closed port and a name that does not resolve. elsewhere.test resolves to the same server, so a request that
  // escaped the check would show up in `hits`.
  const check = (url: URL, ip?: string): HttpDecision => {
    checks.push(ip ? `${url.host} ${ip}` : url.host);
    return granted.includes(url.host) ? 'allowed' : { denied: `${url.host} is not granted` };
  };
  const gateway = createHttpGateway({
    check,
    lookup: async (host) => {
      if (host === 'nxdomain.test') throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return ['127.0.0.1'];
    },
    limits: { responseBodyBytes: 32 * 1024 },
  });

  const { port1, port2 } = new MessageChannel();
  const flag = new SharedArrayBuffer(4);
  bridgeServer = serveBridge({ port: port1, flag }, (op, payload) => {
    if (op !== HOST_OPS.http) throw new Error(`unexpected host call ${op}`);
    sent.push(payload as HttpRequestPayload);
    return gateway(payload as HttpRequestPayload);
  });
  const entry = pathToFileURL(join(REPO, 'test', 'fixtures', 'http-guest-worker.ts')).href;
  // The worker is TypeScript: register tsx inside it before loading the entry.
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  worker = new Worker(boot, { eval: true, workerData: { dir, channel: { port: port2, flag } }, transferList: [port2] });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
}, 180_000);

afterAll(async () => {
  await worker?.terminate();
  bridgeServer?.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(() => {
  hits.length = 0;
  checks.length = 0;
  sent.length = 0;
});

describe('fetch() in a componentize-js guest', () => {
  it('makes a granted GET and reads the body', async () => {
    const res = await guestFetch(`http://127.0.0.1:${port}/hello?x=1`);
    expect(res).toMatchObject({ status: 200, text: 'GET /hello?x=1 ' });
    expect(hits).toEqual([`GET 127.0.0.1:${port}/hello?x=1`]);
  });

  it('sends a POST body', async () => {
    const res = await guestFetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: '{"n":42}' });
    expect(res).toMatchObject({ status: 200, text: 'POST /echo {"n":42}' });
    expect(sent[0].method).toBe('POST');
  });

  it('is refused a host that is not granted, and nothing reaches the network', async () => {
    const res = await guestFetch(`http://elsewhere.test:${port}/hello`);
    expect(res.error).toBeDefined();
    expect(res.status).toBeUndefined();
    expect(checks).toEqual([`elsewhere.test:${port}`]);
    expect(hits).toEqual([]);
  });

  it('hands a redirect to the guest unfollowed: StarlingMonkey fetch() does not follow it', async () => {
    // componentize-js 0.23's fetch() returns the 3xx itself (redirected: false) even in the default
    // 'follow' mode, and the gateway never follows one either: one response per checked request.
    const res = await guestFetch(`http://127.0.0.1:${port}/hop`);
    expect(res).toMatchObject({ status: 302, redirected: false, location: '/hello', hops: [302] });
    expect(hits).toEqual([`GET 127.0.0.1:${port}/hop`]);
  });

  it('checks the next hop a guest follows by hand like any other request', async () => {
    const granted = await guestFetch(`http://127.0.0.1:${port}/hop`, { follow: true });
    expect(granted).toMatchObject({ status: 200, hops: [302, 200], text: 'GET /hello ' });
    expect(checks).toEqual([
      `127.0.0.1:${port}`,
      `127.0.0.1:${port} 127.0.0.1`,
      `127.0.0.1:${port}`,
      `127.0.0.1:${port} 127.0.0.1`,
    ]);
    hits.length = 0;
    checks.length = 0;

    const away = await guestFetch(`http://127.0.0.1:${port}/away`, { follow: true });
    expect(away.hops).toEqual([302]);
    expect(away.error).toBeDefined();
    expect(checks).toContain(`elsewhere.test:${port}`);
    // elsewhere.test resolves to this very server: only the first hop ever reached it.
    expect(hits).toEqual([`GET 127.0.0.1:${port}/away`]);
  });

  it('turns DNS and connection failures into fetch errors, not traps', async () => {
    // Each code crosses the glue with its own payload shape (DNS-error carries a record).
    const dns = await guestFetch('http://nxdomain.test/');
    expect(dns).toMatchObject({ hops: [] });
    expect(dns.error).toBeDefined();
    const refused = await guestFetch(`http://127.0.0.1:${closedPort}/`);
    expect(refused.error).toBeDefined();
    expect(hits).toEqual([]);
  });

  it('fails a response over the engine limit', async () => {
    const res = await guestFetch(`http://127.0.0.1:${port}/big`);
    expect(res.error).toBeDefined();
    expect(hits).toEqual([`GET 127.0.0.1:${port}/big`]);
  });
});
