import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpFailure } from './http-error.js';
import { canonicalIp, createHttpGateway, type HttpDecision } from './http-gateway.js';
import type { HttpRequestPayload } from './sandbox.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let port: number;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      const path = req.url ?? '/';
      if (path.startsWith('/redirect')) {
        res.writeHead(302, { location: 'http://elsewhere.test/landing' }).end();
      } else if (path.startsWith('/big-chunked')) {
        // No Content-Length: the limit has to be enforced while reading.
        res.writeHead(200);
        for (let i = 0; i < 32; i++) res.write(Buffer.alloc(64 * 1024, 1));
        res.end();
      } else if (path.startsWith('/big')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(2 * 1024 * 1024, 1));
      } else if (path.startsWith('/silent')) {
        // Never answers: the gateway's timeout has to end it.
      } else {
        res.setHeader('connection', 'close, x-per-hop');
        res.setHeader('x-per-hop', 'dropped');
        res.setHeader('x-kept', 'yes');
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.end(`${req.method} ${path} ${Buffer.concat(chunks).toString()}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

/**
 * A stand-in for the policy layer: named hosts (with port) are granted; a resolved address is
 * allowed when it is public or was granted itself, as DESIGN.md asks for DNS rebinding.
 */
function grants(hosts: string[], ips: string[] = []) {
  const calls: [string, string | undefined][] = [];
  const check = (url: URL, ip?: string): HttpDecision => {
    calls.push([url.host, ip]);
    if (ip === undefined) return hosts.includes(url.host) ? 'allowed' : { denied: `${url.host} is not granted` };
    if (ips.includes(ip) || ipaddr.parse(ip).range() === 'unicast') return 'allowed';
    return { denied: `${ip} is a ${ipaddr.parse(ip).range()} address` };
  };
  return { check, calls };
}

const req = (url: string, more: Partial<HttpRequestPayload> = {}): HttpRequestPayload => ({
  method: 'GET',
  url,
  headers: [],
  body: null,
  ...more,
});

const text = (b: Uint8Array) => Buffer.from(b).toString();

async function failure(p: Promise<unknown>): Promise<HttpFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpFailure);
  return err as HttpFailure;
}

describe('http gateway', () => {
  it('performs a granted GET and returns status, end-to-end headers and body', async () => {
    const { check } = grants([`127.0.0.1:${port}`], ['127.0.0.1']);
    const gateway = createHttpGateway({ check });
    const res = await gateway(req(`http://127.0.0.1:${port}/hello?x=1`, { headers: [['accept', 'text/plain']] }));
    expect(res.status).toBe(200);
    expect(text(res.body)).toBe('GET /hello?x=1 ');
    const names = res.headers.map(([n]) => n.toLowerCase());
    expect(names).toContain('x-kept');
    // Connection-level headers describe the gateway's socket, not the guest's message.
    expect(names).not.toContain('connection');
    expect(names).not.toContain('x-per-hop');
    expect(res.headers.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2']);
    expect(seen[0].headers.accept).toBe('text/plain');
  });

  it('sends a POST body with its length and drops hop-by-hop and Host headers the guest set', async () => {
    const { check } = grants([`127.0.0.1:${port}`], ['127.0.0.1']);
    const gateway = createHttpGateway({ check });
    const res = await gateway(
      req(`http://127.0.0.1:${port}/post`, {
        method: 'POST',
        body: new TextEncoder().encode('{"a":1}'),
        headers: [
          ['content-type', 'application/json'],
          ['host', 'evil.test'],
          ['connection', 'x-secret'],
          ['x-secret', 'leak'],
          ['content-length', '999'],
        ],
      }),
    );
    expect(text(res.body)).toBe('POST /post {"a":1}');
    expect(seen[0].headers.host).toBe(`127.0.0.1:${port}`);
    expect(seen[0].headers['content-length']).toBe('7');
    expect(seen[0].headers['x-secret']).toBeUndefined();
    expect(seen[0].headers['content-type']).toBe('application/json');
  });

  it('denies a host that is not granted before resolving or connecting', async () => {
    const { check } = grants(['api.example.com:443']);
    let resolved = 0;
    const gateway = createHttpGateway({
      check,
      lookup: async () => {
        resolved++;
        return ['127.0.0.1'];
      },
    });
    const err = await failure(gateway(req(`http://127.0.0.1:${port}/`)));
    expect(err.tag).toBe('HTTP-request-denied');
    expect(err.message).toContain('is not granted');
    expect(resolved).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('denies a granted name that resolves to loopback (DNS rebinding) and never connects', async () => {
    const { check, calls } = grants([`rebind.test:${port}`]);
    const gateway = createHttpGateway({ check, lookup: async () => ['127.0.0.1'] });
    const err = await failure(gateway(req(`http://rebind.test:${port}/`)));
    expect(err.tag).toBe('HTTP-request-denied');
    expect(err.message).toContain('127.0.0.1');
    expect(calls).toEqual([
      [`rebind.test:${port}`, undefined],
      [`rebind.test:${port}`, '127.0.0.1'],
    ]);
    expect(seen).toHaveLength(0);
  });

  it('checks every resolved address, not only the first', async () => {
    const { check } = grants([`mixed.test:${port}`]);
    const gateway = createHttpGateway({ check, lookup: async () => ['93.184.216.34', '::ffff:127.0.0.1'] });
    const err = await failure(gateway(req(`http://mixed.test:${port}/`)));
    expect(err.tag).toBe('HTTP-request-denied');
    expect(err.message).toContain('resolved to 127.0.0.1');
    expect(seen).toHaveLength(0);
  });

  it('connects to the address it checked even if the name resolves differently afterwards', async () => {
    const { check } = grants([`flip.test:${port}`], ['127.0.0.1']);
    const answers = [['127.0.0.1'], ['192.0.2.1']];
    let lookups = 0;
    const gateway = createHttpGateway({ check, lookup: async () => answers[lookups++] ?? [] });
    const res = await gateway(req(`http://flip.test:${port}/pinned`));
    expect(text(res.body)).toBe('GET /pinned ');
    expect(lookups).toBe(1);
    // The Host header still names the site, so virtual hosting and TLS names keep working.
    expect(seen[0].headers.host).toBe(`flip.test:${port}`);
  });

  it('returns a redirect to the guest instead of following it; the next hop is checked on its own', async () => {
    const { check } = grants([`127.0.0.1:${port}`], ['127.0.0.1']);
    let resolved = 0;
    const gateway = createHttpGateway({
      check,
      lookup: async () => {
        resolved++;
        return ['127.0.0.1'];
      },
    });
    const res = await gateway(req(`http://127.0.0.1:${port}/redirect`));
    expect(res.status).toBe(302);
    const location = res.headers.find(([n]) => n.toLowerCase() === 'location')?.[1];
    expect(location).toBe('http://elsewhere.test/landing');
    expect(seen).toHaveLength(1);
    const err = await failure(gateway(req(location!)));
    expect(err.tag).toBe('HTTP-request-denied');
    expect(resolved).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('stops a response body that exceeds the limit', async () => {
    const { check } = grants([`127.0.0.1:${port}`], ['127.0.0.1']);
    const gateway = createHttpGateway({ check, limits: { responseBodyBytes: 1024 * 1024 } });
    const err = await failure(gateway(req(`http://127.0.0.1:${port}/big`)));
    expect(err.tag).toBe('HTTP-response-body-size');
    const chunked = await failure(gateway(req(`http://127.0.0.1:${port}/big-chunked`)));
    expect(chunked.tag).toBe('HTTP-response-body-size');
    const roomy = createHttpGateway({ check, limits: { responseBodyBytes: 4 * 1024 * 1024 } });
    expect((await roomy(req(`http://127.0.0.1:${port}/big`))).body.length).toBe(2 * 1024 * 1024);
    expect((await roomy(req(`http://127.0.0.1:${port}/big-chunked`))).body.length).toBe(2 * 1024 * 1024);
  });

  it('refuses a request body over the limit without sending it', async () => {
    const { check } = grants([`127.0.0.1:${port}`], ['127.0.0.1']);
    const gateway = createHttpGateway({ check, limits: { requestBodyBytes: 10 } });
    const err = await failure(gateway(req(`http://127.0.0.1:${port}/`, { method: 'POST', body: new Uint8Array(11) })));
    expect(err.tag).toBe('HTTP-request-body-size');
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['decimal', 'http://2130706433:PORT/'],
    ['hex and short form', 'http://0x7f.1:PORT/'],
    ['octal', 'http://0177.0.0.1:PORT/'],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]:PORT/'],
    ['IPv4-mapped IPv6, hex', 'http://[::ffff:7f00:1]:PORT/'],
  ])('treats the %s spelling of 127.0.0.1 as 127.0.0.1', async (_name, spelled) => {
    const url = spelled.replace('PORT', String(port));
    // Granting localhost by name does not grant its address under another spelling...
    const byName = grants([`localhost:${port}`]);
    const denied = await failure(createHttpGateway({ check: byName.check })(req(url)));
    expect(denied.tag).toBe('HTTP-request-denied');
    expect(seen).toHaveLength(0);
    // ...and granting 127.0.0.1 covers every spelling, because the policy sees one.
    const byAddress = grants([`127.0.0.1:${port}`], ['127.0.0.1']);
    const res = await createHttpGateway({ check: byAddress.check })(req(url));
    expect(res.status).toBe(200);
    expect(byAddress.calls).toEqual([
      [`127.0.0.1:${port}`, undefined],
      [`127.0.0.1:${port}`, '127.0.0.1'],
    ]);
  });

  it('reports refused connections, unknown names and silent servers as distinct codes', async () => {
    const allowAll = () => 'allowed' as const;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const gateway = createHttpGateway({
      check: allowAll,
      lookup: async (host) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
      limits: { firstByteTimeoutMs: 200 },
    });
    expect((await failure(gateway(req(`http://127.0.0.1:${closedPort}/`)))).tag).toBe('connection-refused');
    expect((await failure(gateway(req('http://no-such-host.test/')))).tag).toBe('DNS-error');
    expect((await failure(gateway(req(`http://127.0.0.1:${port}/silent`)))).tag).toBe('HTTP-response-timeout');
    // A guest's own, shorter timeout wins over the gateway's.
    const patient = createHttpGateway({ check: allowAll, limits: { firstByteTimeoutMs: 60_000 } });
    const started = Date.now();
    const err = await failure(patient(req(`http://127.0.0.1:${port}/silent`, { timeouts: { firstByteMs: 100 } })));
    expect(err.tag).toBe('HTTP-response-timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects what is not an HTTP request to a host', async () => {
    const gateway = createHttpGateway({ check: () => 'allowed' });
    expect((await failure(gateway(req('ftp://127.0.0.1/')))).tag).toBe('HTTP-request-URI-invalid');
    expect((await failure(gateway(req(`http://user:pw@127.0.0.1:${port}/`)))).tag).toBe('HTTP-request-URI-invalid');
    expect((await failure(gateway(req('not a url')))).tag).toBe('HTTP-request-URI-invalid');
    expect((await failure(gateway(req(`http://127.0.0.1:${port}/`, { method: 'CONNECT' })))).tag).toBe(
      'HTTP-request-method-invalid',
    );
    expect((await failure(gateway(req(`http://127.0.0.1:${port}/`, { headers: [['x', 'a\r\nb']] })))).tag).toBe(
      'HTTP-request-header-size',
    );
    expect(seen).toHaveLength(0);
  });
});

/** A self-signed certificate for secure.test, or undefined when openssl is not installed. */
function selfSigned(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'weld-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=secure.test',
        '-addext',
        'subjectAltName=DNS:secure.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('http gateway over TLS', () => {
  const tls = selfSigned();
  it.skipIf(!tls)('refuses a server whose certificate does not verify, before any request is sent (needs openssl)', async () => {
    let requests = 0;
    const secure = createTlsServer(tls!, (_req, res) => {
      requests++;
      res.end('secret');
    });
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    const tlsPort = (secure.address() as AddressInfo).port;
    try {
      const gateway = createHttpGateway({ check: () => 'allowed', lookup: async () => ['127.0.0.1'] });
      const err = await failure(gateway(req(`https://secure.test:${tlsPort}/`)));
      expect(err.tag).toBe('TLS-certificate-error');
      expect(requests).toBe(0);
    } finally {
      secure.closeAllConnections();
      await new Promise((resolve) => secure.close(resolve));
    }
  });
});

describe('canonicalIp', () => {
  it('gives one spelling per address and nothing for names', () => {
    expect(canonicalIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalIp('[::ffff:7f00:1]')).toBe('127.0.0.1');
    expect(canonicalIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalIp('example.com')).toBeUndefined();
  });
});
