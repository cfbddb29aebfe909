import { describe, expect, it } from 'vitest';
import type { HostBridge } from '../host-bridge.js';
import { HttpFailure } from '../http-error.js';
import { HOST_OPS, type HttpRequestPayload, type HttpResponsePayload } from '../sandbox.js';
import { createHttp, type Fields, type IncomingResponse } from './http.js';
import { CLOSED, type InputStream, IoError, poll } from './streams.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * A bridge that answers like the engine would, without a worker: serveBridge turns a thrown
 * HttpFailure into an Error carrying only its message, so that is what the fake throws too.
 */
function fakeBridge(answer: (p: HttpRequestPayload) => HttpResponsePayload | HttpFailure) {
  const sent: HttpRequestPayload[] = [];
  const bridge: HostBridge = {
    call(op, payload) {
      expect(op).toBe(HOST_OPS.http);
      sent.push(payload as HttpRequestPayload);
      const result = answer(payload as HttpRequestPayload);
      if (result instanceof HttpFailure) throw new Error(result.message);
      return result;
    },
    notify() {},
  };
  return { bridge, sent };
}

const ok = (body = 'ok', headers: [string, string][] = []): HttpResponsePayload => ({ status: 200, headers, body: enc(body) });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function readAll(stream: InputStream): string {
  const parts: Uint8Array[] = [];
  for (;;) {
    try {
      parts.push(stream.blockingRead(4096n));
    } catch (err) {
      expect(err).toBe(CLOSED);
      return dec(Buffer.concat(parts));
    }
  }
}

/** The sequence of calls StarlingMonkey's fetch makes for one request. */
function request(
  http: ReturnType<typeof createHttp>,
  opts: { method?: string; url: string; headers?: [string, string][]; body?: string },
) {
  const url = new URL(opts.url);
  const { types } = http;
  const req = new types.OutgoingRequest(types.Fields.fromList((opts.headers ?? []).map(([n, v]) => [n, enc(v)])));
  const method = (opts.method ?? 'GET').toLowerCase();
  req.setMethod(method === 'get' || method === 'post' ? { tag: method } : { tag: 'other', val: opts.method! });
  req.setScheme(url.protocol === 'http:' ? { tag: 'HTTP' } : { tag: 'HTTPS' });
  req.setAuthority(url.host);
  req.setPathWithQuery(`${url.pathname}${url.search}`);
  const body = req.body();
  if (opts.body !== undefined) {
    const out = body.write();
    out.blockingWriteAndFlush(enc(opts.body));
  }
  types.OutgoingBody.finish(body, undefined);
  const future = http.outgoingHandler.handle(req, undefined);
  poll([future.subscribe()]);
  return future.get();
}

function response(result: ReturnType<typeof request>): IncomingResponse {
  expect(result?.tag).toBe('ok');
  const inner = result!.val as { tag: string; val: unknown };
  expect(inner.tag).toBe('ok');
  return inner.val as IncomingResponse;
}

describe('wasi:http fields', () => {
  const { types } = createHttp(fakeBridge(() => ok()));

  it('rejects invalid names and values and the headers wasi:http forbids', () => {
    const f = new types.Fields();
    expect(thrown(() => f.append('bad name', enc('x')))).toEqual({ tag: 'invalid-syntax' });
    expect(thrown(() => f.append('x-a', enc('a\r\nInjected: 1')))).toEqual({ tag: 'invalid-syntax' });
    expect(thrown(() => f.append('Host', enc('evil.test')))).toEqual({ tag: 'forbidden' });
    expect(thrown(() => f.set('Transfer-Encoding', [enc('chunked')]))).toEqual({ tag: 'forbidden' });
    expect(thrown(() => types.Fields.fromList([['connection', enc('close')]]))).toEqual({ tag: 'forbidden' });
    expect(f.entries()).toEqual([]);
  });

  it('matches names without regard to case and keeps repeated values in order', () => {
    const f = types.Fields.fromList([
      ['Accept', enc('a')],
      ['accept', enc('b')],
      ['X-Other', enc('c')],
    ]);
    expect(f.get('ACCEPT').map(dec)).toEqual(['a', 'b']);
    expect(f.has('x-other')).toBe(true);
    expect(f.get('not a name')).toEqual([]);
    f.set('accept', [enc('z')]);
    expect(f.get('Accept').map(dec)).toEqual(['z']);
    f.delete('X-OTHER');
    expect(f.entries().map(([n, v]) => [n, dec(v)])).toEqual([['accept', 'z']]);
  });

  it('makes request headers immutable once the request owns them; a clone is mutable', () => {
    const req = new types.OutgoingRequest(types.Fields.fromList([['x-a', enc('1')]]));
    const headers = req.headers();
    expect(thrown(() => headers.append('x-b', enc('2')))).toEqual({ tag: 'immutable' });
    expect(thrown(() => headers.delete('x-a'))).toEqual({ tag: 'immutable' });
    const copy = headers.clone();
    copy.append('x-b', enc('2'));
    expect(copy.get('x-b').map(dec)).toEqual(['2']);
    expect(req.headers().has('x-b')).toBe(false);
  });
});

describe('wasi:http outgoing requests', () => {
  it('sends a GET and gives the guest status, headers and the body stream', () => {
    const { bridge, sent } = fakeBridge(() => ok('hello', [['Content-Type', 'text/plain']]));
    const http = createHttp({ bridge });
    const res = response(request(http, { url: 'https://api.example.com/v1/items?q=a', headers: [['accept', '*/*']] }));
    expect(sent).toEqual([
      {
        method: 'GET',
        url: 'https://api.example.com/v1/items?q=a',
        headers: [['accept', '*/*']],
        body: new Uint8Array(0),
        timeouts: { connectMs: undefined, firstByteMs: undefined, betweenBytesMs: undefined },
      },
    ]);
    expect(res.status()).toBe(200);
    expect((res.headers() as Fields).get('content-type').map(dec)).toEqual(['text/plain']);
    expect(thrown(() => res.headers().append('x', enc('y')))).toEqual({ tag: 'immutable' });
    const body = res.consume();
    expect(readAll(body.stream())).toBe('hello');
    expect(thrown(() => res.consume())).toBeUndefined();
  });

  it('sends the body the guest wrote, even when it writes after handle()', () => {
    const { bridge, sent } = fakeBridge((p) => ok(`got ${dec(p.body ?? new Uint8Array())}`));
    const http = createHttp({ bridge });
    const { types } = http;
    const req = new types.OutgoingRequest(new types.Fields());
    req.setMethod({ tag: 'post' });
    req.setAuthority('api.example.com');
    const body = req.body();
    const future = http.outgoingHandler.handle(req, undefined);
    const pollable = future.subscribe();
    // The body is still open: nothing has been sent and the response is not ready.
    expect(pollable.ready()).toBe(false);
    expect(future.get()).toBeUndefined();
    const out = body.write();
    out.blockingWriteAndFlush(enc('part1 '));
    out.blockingWriteAndFlush(enc('part2'));
    types.OutgoingBody.finish(body, undefined);
    expect(sent).toHaveLength(0);
    expect(pollable.ready()).toBe(true);
    expect(readAll(response(future.get()).consume().stream())).toBe('got part1 part2');
    expect(sent[0].url).toBe('https://api.example.com/');
    // The outer result is taken once.
    expect(future.get()).toEqual({ tag: 'err', val: undefined });
  });

  it('gives the guest the error code the engine named, and nothing of its reason', () => {
    const { bridge } = fakeBridge(() => new HttpFailure('HTTP-request-denied', 'api.example.com is not granted'));
    const result = request(createHttp({ bridge }), { url: 'https://api.example.com/' });
    expect(result).toEqual({ tag: 'ok', val: { tag: 'err', val: { tag: 'HTTP-request-denied' } } });

    const dns = fakeBridge(() => new HttpFailure('DNS-error', 'cannot resolve'));
    expect(request(createHttp({ bridge: dns.bridge }), { url: 'https://x.test/' })?.val).toEqual({
      tag: 'err',
      val: { tag: 'DNS-error', val: {} },
    });
    const broken = fakeBridge(() => new HttpFailure('internal-error', 'x'));
    broken.bridge.call = () => {
      throw new Error('worker channel closed');
    };
    expect(request(createHttp({ bridge: broken.bridge }), { url: 'https://x.test/' })?.val).toEqual({
      tag: 'err',
      val: { tag: 'internal-error', val: undefined },
    });
  });

  it('fails a request body over the limit at the write, and never sends it', () => {
    const { bridge, sent } = fakeBridge(() => ok());
    const http = createHttp({ bridge, limits: { requestBodyBytes: 8 } });
    const { types } = http;
    const req = new types.OutgoingRequest(new types.Fields());
    req.setAuthority('api.example.com');
    const body = req.body();
    const out = body.write();
    out.blockingWriteAndFlush(enc('12345678'));
    const err = thrown(() => out.blockingWriteAndFlush(enc('9'))) as { tag: string; val: IoError };
    expect(err.tag).toBe('last-operation-failed');
    expect(err.val).toBeInstanceOf(IoError);
    expect(types.httpErrorCode(err.val)).toEqual({ tag: 'HTTP-request-body-size', val: 9n });
    expect(types.httpErrorCode(new IoError('other'))).toBeUndefined();
    expect(thrown(() => types.OutgoingBody.finish(body, undefined))).toEqual({ tag: 'HTTP-request-body-size', val: undefined });
    const future = http.outgoingHandler.handle(req, undefined);
    expect(future.get()).toEqual({ tag: 'ok', val: { tag: 'err', val: { tag: 'HTTP-request-body-size', val: undefined } } });
    expect(sent).toHaveLength(0);
  });

  it('fails a body shorter than its declared Content-Length', () => {
    const { bridge } = fakeBridge(() => ok());
    const { types } = createHttp({ bridge });
    const req = new types.OutgoingRequest(types.Fields.fromList([['content-length', enc('10')]]));
    const body = req.body();
    body.write().blockingWriteAndFlush(enc('short'));
    expect(thrown(() => types.OutgoingBody.finish(body, undefined))).toEqual({ tag: 'HTTP-request-body-size', val: 5n });
  });

  it('does not hang a guest that waits for a response before finishing its body', () => {
    const { bridge, sent } = fakeBridge(() => ok());
    const http = createHttp({ bridge });
    const { types } = http;
    const req = new types.OutgoingRequest(new types.Fields());
    req.setAuthority('api.example.com');
    req.body();
    const future = http.outgoingHandler.handle(req, undefined);
    poll([future.subscribe()]);
    expect(future.get()?.val).toEqual({ tag: 'err', val: { tag: 'HTTP-request-body-size', val: undefined } });
    expect(sent).toHaveLength(0);
  });

  it('refuses malformed request parts before anything reaches the engine', () => {
    const { bridge, sent } = fakeBridge(() => ok());
    const http = createHttp({ bridge });
    const { types } = http;
    const req = new types.OutgoingRequest(new types.Fields());
    // A path that is not rooted would extend the authority: good.example@evil.example.
    expect(thrown(() => req.setPathWithQuery('@evil.example/'))).toBeUndefined();
    expect(thrown(() => req.setPathWithQuery('/a b'))).toBeUndefined();
    expect(thrown(() => req.setAuthority('user@evil.example'))).toBeUndefined();
    expect(thrown(() => req.setAuthority('example.com:99999'))).toBeUndefined();
    expect(thrown(() => req.setMethod({ tag: 'other', val: 'GET /x' }))).toBeUndefined();
    expect(req.pathWithQuery()).toBeUndefined();
    // No authority: there is no host to check, so handle refuses.
    expect(thrown(() => http.outgoingHandler.handle(req, undefined))).toEqual({ tag: 'HTTP-request-URI-invalid' });
    req.setAuthority('example.com');
    req.setScheme({ tag: 'other', val: 'ftp' });
    expect(thrown(() => http.outgoingHandler.handle(req, undefined))).toEqual({ tag: 'HTTP-request-URI-invalid' });
    expect(sent).toHaveLength(0);
  });

  it('passes the guest request-options as milliseconds', () => {
    const { bridge, sent } = fakeBridge(() => ok());
    const http = createHttp({ bridge });
    const { types } = http;
    const req = new types.OutgoingRequest(new types.Fields());
    req.setAuthority('example.com');
    const options = new types.RequestOptions();
    options.setConnectTimeout(2_000_000_000n);
    options.setFirstByteTimeout(500_000_000n);
    expect(options.connectTimeout()).toBe(2_000_000_000n);
    http.outgoingHandler.handle(req, options).get();
    expect(sent[0].timeouts).toEqual({ connectMs: 2000, firstByteMs: 500, betweenBytesMs: undefined });
  });
});
