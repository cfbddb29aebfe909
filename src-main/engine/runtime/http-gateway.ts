import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { type ErrorTag, HttpFailure } from './http-error.js';
import type { HttpRequestPayload, HttpResponsePayload } from './sandbox.js';

/**
 * The one place where a guest's HTTP request reaches the network. Every request is checked before
 * anything is sent: the URL (scheme, host, port) and then every address its name resolves to, so a
 * granted name that points at loopback or the LAN is refused unless that address is granted too
 * (DNS rebinding). The connection then goes to the address that was checked, never to a second
 * lookup. Redirects are handed back to the guest: the next hop is a new request and is checked again.
 */

export type HttpDecision = 'allowed' | { denied: string };

export interface HttpGatewayLimits {
  responseBodyBytes: number;
  /** Largest response header section Node's parser accepts. */
  responseHeaderBytes: number;
  requestBodyBytes: number;
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  betweenBytesTimeoutMs: number;
  /** From the first check to the last body byte, DNS included. */
  totalTimeoutMs: number;
}

export const DEFAULT_GATEWAY_LIMITS: HttpGatewayLimits = {
  responseBodyBytes: 16 * 1024 * 1024,
  responseHeaderBytes: 64 * 1024,
  requestBodyBytes: 16 * 1024 * 1024,
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 30_000,
  betweenBytesTimeoutMs: 30_000,
  totalTimeoutMs: 60_000,
};

export interface HttpGatewayDeps {
  /**
   * The policy decision, called once with the URL alone and once per resolved address. It may ask a
   * person (a just-in-time prompt), so it may be async. IP literals arrive in one canonical spelling
   * (127.0.0.1 for 2130706433 or [::ffff:7f00:1]); `url.port` is '' for the scheme's default port.
   */
  check(url: URL, resolvedIp?: string): HttpDecision | Promise<HttpDecision>;
  /** Name resolution; every address returned is checked. Defaults to the system resolver. */
  lookup?: (host: string) => Promise<string[]>;
  limits?: Partial<HttpGatewayLimits>;
}

export type HttpGateway = (payload: HttpRequestPayload) => Promise<HttpResponsePayload>;

// Connection-level headers (RFC 9110 7.6.1) plus the ones the gateway sets itself.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);
const SET_BY_GATEWAY = new Set(['host', 'content-length']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// CONNECT turns the connection into a tunnel the gateway could no longer see into.
const REFUSED_METHODS = new Set(['CONNECT']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

const systemLookup = async (host: string): Promise<string[]> =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * One spelling per address: IPv4 in dotted decimal, an IPv4-mapped IPv6 address as the IPv4 address
 * it is, IPv6 in its shortest form. Undefined when `text` is not an IP literal.
 */
export function canonicalIp(text: string): string | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return undefined;
  return ipaddr.process(bare).toString();
}

function validatePayload(payload: HttpRequestPayload): void {
  const p = payload as Partial<HttpRequestPayload> | null;
  if (typeof p !== 'object' || p === null) throw new HttpFailure('internal-error', 'HTTP request payload is not an object');
  if (typeof p.method !== 'string' || !TOKEN.test(p.method))
    throw new HttpFailure('HTTP-request-method-invalid', `invalid method ${JSON.stringify(p.method)}`);
  if (typeof p.url !== 'string') throw new HttpFailure('HTTP-request-URI-invalid', 'request URL is not a string');
  if (!Array.isArray(p.headers)) throw new HttpFailure('internal-error', 'request headers are not a list');
  for (const h of p.headers) {
    if (!Array.isArray(h) || typeof h[0] !== 'string' || !TOKEN.test(h[0]) || typeof h[1] !== 'string' || !VALUE.test(h[1]))
      throw new HttpFailure('HTTP-request-header-size', `invalid request header ${JSON.stringify(h?.[0])}`);
  }
  if (p.body !== null && !(p.body instanceof Uint8Array)) throw new HttpFailure('internal-error', 'request body is not bytes');
}

/** Parses the URL and gives IP literals their one spelling, so the policy compares addresses, not text. */
function parseTarget(text: string): { url: URL; literal: string | undefined } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HttpFailure('HTTP-request-URI-invalid', `invalid URL ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HttpFailure('HTTP-request-URI-invalid', `scheme ${url.protocol} is not http or https`);
  if (url.username || url.password) throw new HttpFailure('HTTP-request-URI-invalid', 'credentials in the URL are not allowed');
  url.hash = '';
  const literal = canonicalIp(url.hostname);
  if (literal !== undefined) url.hostname = literal.includes(':') ? `[${literal}]` : literal;
  return { url, literal };
}

function requestHeaders(payload: HttpRequestPayload): [string, string][] {
  const named = new Set<string>();
  for (const [name, value] of payload.headers) {
    if (name.toLowerCase() === 'connection') for (const n of value.split(',')) named.add(n.trim().toLowerCase());
  }
  return payload.headers.filter(([name]) => {
    const lower = name.toLowerCase();
    return !HOP_BY_HOP.has(lower) && !SET_BY_GATEWAY.has(lower) && !named.has(lower);
  });
}

function responseHeaders(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
  const named = new Set<string>();
  for (const [name, value] of pairs) {
    if (name.toLowerCase() === 'connection') for (const n of value.split(',')) named.add(n.trim().toLowerCase());
  }
  return pairs.filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()) && !named.has(name.toLowerCase()));
}

const TLS_CERT = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/;

/** Node's socket, TLS and parser errors as the wasi:http codes a guest can act on. */
function failureOf(err: unknown): HttpFailure {
  if (err instanceof HttpFailure) return err;
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : '';
  const detail = e instanceof Error ? e.message : String(err);
  const tag = ((): ErrorTag => {
    switch (code) {
      case 'ECONNREFUSED':
        return 'connection-refused';
      case 'ECONNRESET':
      case 'EPIPE':
        return 'connection-terminated';
      case 'ETIMEDOUT':
        return 'connection-timeout';
      case 'EHOSTUNREACH':
      case 'EHOSTDOWN':
        return 'destination-unavailable';
      case 'ENETUNREACH':
      case 'EADDRNOTAVAIL':
        return 'destination-IP-unroutable';
      case 'HPE_HEADER_OVERFLOW':
        return 'HTTP-response-header-section-size';
      case 'ERR_TLS_CERT_ALTNAME_INVALID':
        return 'TLS-certificate-error';
    }
    if (code.startsWith('HPE_')) return 'HTTP-protocol-error';
    if (TLS_CERT.test(code)) return 'TLS-certificate-error';
    if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return 'TLS-protocol-error';
    return 'internal-error';
  })();
  return new HttpFailure(tag, detail);
}

const lower = (guest: number | undefined, host: number): number =>
  guest !== undefined && Number.isFinite(guest) && guest >= 0 ? Math.min(guest, host) : host;

export function createHttpGateway(deps: HttpGatewayDeps): HttpGateway {
  const limits: HttpGatewayLimits = { ...DEFAULT_GATEWAY_LIMITS, ...deps.limits };
  const resolve = deps.lookup ?? systemLookup;

  async function decide(url: URL, ip?: string): Promise<void> {
    const decision = await deps.check(url, ip);
    if (decision !== 'allowed') {
      const what = ip === undefined ? url.origin : `${url.origin} (resolved to ${ip})`;
      throw new HttpFailure('HTTP-request-denied', `${what}: ${decision.denied}`);
    }
  }

  async function addressesOf(url: URL, literal: string | undefined): Promise<string[]> {
    if (literal !== undefined) return [literal];
    let found: string[];
    try {
      found = await resolve(url.hostname);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new HttpFailure(code === 'EAI_AGAIN' ? 'DNS-timeout' : 'DNS-error', `cannot resolve ${url.hostname}: ${code ?? err}`);
    }
    const addresses = found.map((a) => canonicalIp(a));
    if (addresses.length === 0) throw new HttpFailure('DNS-error', `${url.hostname} has no addresses`);
    if (addresses.some((a) => a === undefined)) throw new HttpFailure('DNS-error', `${url.hostname} resolved to a non-address`);
    return addresses as string[];
  }

  return async function perform(payload) {
    validatePayload(payload);
    const method = payload.method.toUpperCase();
    if (REFUSED_METHODS.has(method)) throw new HttpFailure('HTTP-request-method-invalid', `method ${method} is not supported`);
    if (payload.body && payload.body.length > limits.requestBodyBytes)
      throw new HttpFailure('HTTP-request-body-size', `request body exceeds ${limits.requestBodyBytes} bytes`);
    const { url, literal } = parseTarget(payload.url);

    const deadline = AbortSignal.timeout(limits.totalTimeoutMs);
    const inTime = <T>(work: Promise<T>): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(new HttpFailure('HTTP-response-timeout', `no response within ${limits.totalTimeoutMs} ms`));
        if (deadline.aborted) return onAbort();
        deadline.addEventListener('abort', onAbort, { once: true });
        work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', onAbort));
      });

    await inTime(decide(url));
    const addresses = await inTime(addressesOf(url, literal));
    // Every address, not just the one used: a resolver that mixes a public and a private answer
    // must not get through by luck of ordering.
    for (const ip of addresses) await inTime(decide(url, ip));

    const sent = send(url, addresses[0], method, payload, {
      connectMs: lower(payload.timeouts?.connectMs, limits.connectTimeoutMs),
      firstByteMs: lower(payload.timeouts?.firstByteMs, limits.firstByteTimeoutMs),
      betweenBytesMs: lower(payload.timeouts?.betweenBytesMs, limits.betweenBytesTimeoutMs),
      deadline,
    });
    return inTime(sent.catch((err) => Promise.reject(failureOf(err))));
  };

  function send(
    url: URL,
    ip: string,
    method: string,
    payload: HttpRequestPayload,
    t: { connectMs: number; firstByteMs: number; betweenBytesMs: number; deadline: AbortSignal },
  ): Promise<HttpResponsePayload> {
    const family = ip.includes(':') ? 6 : 4;
    // Whatever name Node is asked to connect to, it gets the address that was checked.
    const pinned: LookupFunction = (_host, options, callback) => {
      if (options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: ip, family }]);
      else callback(null, ip, family);
    };
    const body = payload.body && payload.body.length > 0 ? payload.body : BODY_METHODS.has(method) ? new Uint8Array(0) : null;
    // Node adds no Host header to a header list, and the guest's own was dropped: name the site checked.
    const headers: [string, string][] = [['host', url.host], ...requestHeaders(payload)];
    if (body) headers.push(['content-length', String(body.length)]);

    return new Promise((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const fail = (failure: HttpFailure) => {
        for (const timer of timers) clearTimeout(timer);
        req.destroy();
        reject(failure);
      };
      const after = (ms: number, tag: ErrorTag, what: string) => {
        const timer = setTimeout(() => fail(new HttpFailure(tag, `${what} within ${ms} ms`)), ms);
        timers.push(timer);
        return timer;
      };

      const req = (url.protocol === 'https:' ? https : http).request({
        protocol: url.protocol,
        host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method,
        // A flat list keeps repeated headers and their order as the guest wrote them.
        headers: headers.flat(),
        lookup: pinned,
        // A fresh connection per request: a pooled socket was opened under an earlier decision.
        agent: false,
        maxHeaderSize: limits.responseHeaderBytes,
        signal: t.deadline,
      });
      const connectTimer = after(t.connectMs, 'connection-timeout', 'no connection');
      let firstByteTimer: NodeJS.Timeout | undefined;
      req.on('socket', (socket) => {
        socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
          clearTimeout(connectTimer);
          firstByteTimer = after(t.firstByteMs, 'HTTP-response-timeout', 'no response');
        });
      });
      req.on('error', (err) => fail(failureOf(err)));
      req.on('response', (res) => {
        clearTimeout(firstByteTimer);
        const announced = Number(res.headers['content-length']);
        if (announced > limits.responseBodyBytes)
          return fail(
            new HttpFailure('HTTP-response-body-size', `response body of ${announced} bytes exceeds ${limits.responseBodyBytes}`),
          );
        const chunks: Buffer[] = [];
        let size = 0;
        res.setTimeout(t.betweenBytesMs, () =>
          fail(new HttpFailure('connection-read-timeout', `response body stalled for ${t.betweenBytesMs} ms`)),
        );
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limits.responseBodyBytes) {
            fail(new HttpFailure('HTTP-response-body-size', `response body exceeds ${limits.responseBodyBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => fail(failureOf(err)));
        res.on('aborted', () => fail(new HttpFailure('HTTP-response-incomplete', 'the server closed the response early')));
        res.on('end', () => {
          for (const timer of timers) clearTimeout(timer);
          if (!res.complete) return fail(new HttpFailure('HTTP-response-incomplete', 'the server closed the response early'));
          resolve({
            status: res.statusCode ?? 0,
            headers: responseHeaders(res.rawHeaders),
            body: new Uint8Array(Buffer.concat(chunks)),
          });
        });
      });
      req.end(body ?? undefined);
    });
  }
}
