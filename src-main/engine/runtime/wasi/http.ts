import type { Method, Result, Scheme } from '@bytecodealliance/preview2-shim/interfaces/wasi-http-types';
import type { HostBridge } from '../host-bridge.js';
import { type ErrorCode, errorCode, errorCodeFromMessage } from '../http-error.js';
import { HOST_OPS, type HttpRequestPayload, type HttpResponsePayload } from '../sandbox.js';
import { HeldBudget } from './held-budget.js';
import { bytesSource, CLOSED, InputStream, IoError, OutputStream, Pollable, readyPollable } from './streams.js';

/**
 * wasi:http/types and wasi:http/outgoing-handler (0.2.x) for one sandboxed instance, as far as a
 * client needs them (StarlingMonkey's fetch): Weld tools make requests, they do not serve them.
 *
 * Nothing here touches the network. A request is assembled in memory, and when the guest first asks
 * for its response it crosses the host bridge as one synchronous call; the engine checks it against
 * the grants, performs it and answers with the whole response. So the guest sees the allow-list only
 * as wasi:http error codes, and a request the engine refuses never leaves the process.
 *
 * A guest's requests run one at a time (the worker waits on each). StarlingMonkey's fetch()
 * (componentize-js 0.23) does not follow redirects: the guest receives the 3xx, and a Location it
 * follows by hand is a new request, checked again like any other.
 */

export interface HttpLimits {
  /** A request body larger than this fails the write with HTTP-request-body-size. */
  requestBodyBytes: number;
  /** Request header names + values, counted when the request is handed over. */
  headerSectionBytes: number;
  urlLength: number;
  /** Header sets and unsent bodies the guest keeps alive, all together (see held-budget.ts). */
  heldBytes: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestBodyBytes: 16 * 1024 * 1024,
  headerSectionBytes: 64 * 1024,
  urlLength: 8 * 1024,
  heldBytes: 48 * 1024 * 1024,
};

// RFC 9110 token: the only valid field names and method names.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Headers that describe one connection rather than the message, or that would let a guest address
 * a different site than the one that was checked (Host). The engine sets these itself. Same list as
 * Wasmtime's default, so a guest that works there works here.
 */
const FORBIDDEN = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'host',
  'http2-settings',
]);

/** header-error, thrown as the glue expects for `result<_, header-error>`. */
const INVALID_SYNTAX = { tag: 'invalid-syntax' } as const;
const FORBIDDEN_ERROR = { tag: 'forbidden' } as const;
const IMMUTABLE = { tag: 'immutable' } as const;

// Field values are bytes; control characters other than tab would split or smuggle headers.
const validValue = (value: Uint8Array): boolean => value.every((b) => (b >= 0x20 && b !== 0x7f) || b === 0x09);

function checkName(name: string): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) throw INVALID_SYNTAX;
  const lower = name.toLowerCase();
  if (FORBIDDEN.has(lower)) throw FORBIDDEN_ERROR;
  return lower;
}

function checkValue(value: Uint8Array): Uint8Array {
  if (!(value instanceof Uint8Array) || !validValue(value)) throw INVALID_SYNTAX;
  return value;
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
const fromLatin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

type Entry = [string, Uint8Array];

// What a header set costs the host beyond its bytes (objects, arrays): counted against the budget.
const FIELDS_OVERHEAD = 64;
const ENTRY_OVERHEAD = 32;
const costOf = (entries: Entry[]) =>
  entries.reduce((n, [name, value]) => n + name.length + value.length + ENTRY_OVERHEAD, FIELDS_OVERHEAD);

// The key the jco glue calls when the guest drops a resource.
const dispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
const locked = new WeakSet<Fields>();
/** The budget a header set is charged to (set inside Fields, which alone can read it). */
let budgetOf: (fields: Fields) => HeldBudget | null;

export class Fields {
  #entries: Entry[] = [];
  #charged = 0;
  readonly #budget: HeldBudget | null;

  /** `budget`: the instance's (createHttp passes it through a subclass); none for a bare host object. */
  constructor(budget: HeldBudget | null = null) {
    this.#budget = budget;
    this.#replace([]);
  }

  static {
    budgetOf = (f) => f.#budget;
  }

  static fromList(entries: Entry[]): Fields {
    const fields = new this();
    for (const [name, value] of entries) fields.append(name, value);
    return fields;
  }

  /** Fields the host built itself (response headers): already filtered by the engine, and immutable. */
  static trusted(entries: Entry[]): Fields {
    const fields = new this();
    fields.#replace(entries);
    locked.add(fields);
    return fields;
  }

  /** The guest dropped it: what it held is free again. */
  [dispose](): void {
    this.#budget?.give(this.#charged);
    this.#charged = 0;
    this.#entries = [];
  }

  /** Charges the difference first, so a set over budget leaves the fields as they were. */
  #replace(next: Entry[]): void {
    const cost = costOf(next);
    if (cost > this.#charged) this.#budget?.take(cost - this.#charged, 'HTTP headers');
    else this.#budget?.give(this.#charged - cost);
    this.#charged = cost;
    this.#entries = next;
  }

  get(name: string): Uint8Array[] {
    if (typeof name !== 'string' || !TOKEN.test(name)) return [];
    const lower = name.toLowerCase();
    return this.#entries.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name).length > 0;
  }

  set(name: string, values: Uint8Array[]): void {
    this.#mutable();
    const lower = checkName(name);
    for (const v of values) checkValue(v);
    const kept = this.#entries.filter(([n]) => n.toLowerCase() !== lower);
    this.#replace([...kept, ...values.map((v): Entry => [name, v])]);
  }

  delete(name: string): void {
    this.#mutable();
    const lower = checkName(name);
    this.#replace(this.#entries.filter(([n]) => n.toLowerCase() !== lower));
  }

  append(name: string, value: Uint8Array): void {
    this.#mutable();
    checkName(name);
    this.#replace([...this.#entries, [name, checkValue(value)]]);
  }

  entries(): Entry[] {
    return this.#entries.map(([n, v]) => [n, v]);
  }

  /** A mutable copy, as wasi:http specifies even for immutable fields. */
  clone(): Fields {
    const copy = new (this.constructor as typeof Fields)();
    copy.#replace(this.entries());
    return copy;
  }

  #mutable(): void {
    if (locked.has(this)) throw IMMUTABLE;
  }
}

/**
 * Each call that hands the guest a `headers` resource gets a new immutable object: the glue keeps
 * its handle on the object, so giving the same object out twice would let one drop free the other.
 */
const immutableCopy = (fields: Fields): Fields => classOf(fields).trusted(fields.entries());

/** The class a header set was made with: the instance's own, so copies are charged to the same budget. */
const classOf = (fields: Fields) => fields.constructor as typeof Fields;

/** An io error that carries the wasi:http code, so `http-error-code` can recover it. */
class HttpIoError extends IoError {
  constructor(
    message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
  }
}

export function httpErrorCode(err: IoError): ErrorCode | undefined {
  return err instanceof HttpIoError ? err.code : undefined;
}

type BodyState = 'open' | 'finished' | 'failed';

export class OutgoingBody {
  #chunks: Uint8Array[] = [];
  #size = 0;
  #state: BodyState = 'open';
  #stream: OutputStream | undefined;

  constructor(
    private readonly limit: number,
    private readonly declaredLength: () => number | undefined,
    private readonly budget: HeldBudget | null = null,
  ) {
    this.#stream = new OutputStream({ write: (bytes) => this.#write(bytes) });
  }

  write(): OutputStream {
    const stream = this.#stream;
    if (!stream) throw undefined;
    this.#stream = undefined;
    return stream;
  }

  static finish(body: OutgoingBody, trailers: Fields | undefined): void {
    body.#finish(trailers);
  }

  /** What the request sends: the bytes once finished, an error code if the body went wrong. */
  outcome(): { pending: true } | { bytes: Uint8Array } | { error: ErrorCode } {
    if (this.#state === 'open') return { pending: true };
    if (this.#state === 'failed') return { error: errorCode('HTTP-request-body-size') };
    const bytes = new Uint8Array(this.#size);
    let at = 0;
    for (const chunk of this.#chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    // Handed over once: the chunks are the host's no longer.
    this.#release();
    return { bytes };
  }

  /** Dropped without finish: wasi:http says the body is then corrupt, so the request must not go out. */
  [dispose](): void {
    if (this.#state === 'open') this.#state = 'failed';
    this.#release();
  }

  #release(): void {
    this.budget?.give(this.#size);
    this.#chunks = [];
  }

  #write(bytes: Uint8Array): void {
    if (this.#state !== 'open') throw CLOSED;
    const overLimit = this.#size + bytes.length > this.limit;
    if (overLimit || (this.budget && !this.budget.fits(bytes.length))) {
      this.#state = 'failed';
      this.#release();
      const code: ErrorCode = { tag: 'HTTP-request-body-size', val: BigInt(this.#size + bytes.length) };
      const why = overLimit
        ? `request body exceeds ${this.limit} bytes`
        : `the component's open request bodies and headers exceed the ${Math.round((this.budget as HeldBudget).limit / 2 ** 20)} MiB Weld holds for it`;
      throw { tag: 'last-operation-failed', val: new HttpIoError(why, code) };
    }
    this.budget?.take(bytes.length, 'request bodies');
    this.#chunks.push(bytes.slice());
    this.#size += bytes.length;
  }

  #finish(trailers: Fields | undefined): void {
    if (trailers !== undefined) throw errorCode('internal-error');
    if (this.#state === 'failed') throw errorCode('HTTP-request-body-size');
    if (this.#state === 'finished') throw errorCode('internal-error');
    const declared = this.declaredLength();
    if (declared !== undefined && declared !== this.#size) {
      this.#state = 'failed';
      throw { tag: 'HTTP-request-body-size', val: BigInt(this.#size) } satisfies ErrorCode;
    }
    this.#state = 'finished';
    this.#stream = undefined;
  }
}

// path-with-query as Node will send it: visible ASCII, no fragment, and rooted so it cannot extend
// the authority ("@evil.example/" after "good.example").
const PATH = /^\/[\x21-\x22\x24-\x7e]*$/;
// URI authority without userinfo: a reg-name, IPv4 or bracketed IPv6 literal, and an optional port.
const AUTHORITY = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+)(:(\d{1,5}))?$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;

const duration = (d: bigint | undefined): bigint | undefined => {
  if (d !== undefined && (typeof d !== 'bigint' || d < 0n)) throw undefined;
  return d;
};

export class RequestOptions {
  #connect: bigint | undefined;
  #firstByte: bigint | undefined;
  #betweenBytes: bigint | undefined;

  connectTimeout(): bigint | undefined {
    return this.#connect;
  }
  setConnectTimeout(d: bigint | undefined): void {
    this.#connect = duration(d);
  }
  firstByteTimeout(): bigint | undefined {
    return this.#firstByte;
  }
  setFirstByteTimeout(d: bigint | undefined): void {
    this.#firstByte = duration(d);
  }
  betweenBytesTimeout(): bigint | undefined {
    return this.#betweenBytes;
  }
  setBetweenBytesTimeout(d: bigint | undefined): void {
    this.#betweenBytes = duration(d);
  }
}

interface RequestParts {
  method: Method;
  scheme: Scheme | undefined;
  authority: string | undefined;
  pathWithQuery: string | undefined;
  headers: Fields;
  body: OutgoingBody | undefined;
}

let requestParts: (request: OutgoingRequest) => RequestParts;

export class OutgoingRequest {
  #method: Method = { tag: 'get' };
  #scheme: Scheme | undefined;
  #authority: string | undefined;
  #pathWithQuery: string | undefined;
  readonly #headers: Fields;
  #body: OutgoingBody | undefined;
  #bodyTaken = false;

  static {
    requestParts = (r) => ({
      method: r.#method,
      scheme: r.#scheme,
      authority: r.#authority,
      pathWithQuery: r.#pathWithQuery,
      headers: r.#headers,
      body: r.#body,
    });
  }

  constructor(
    headers: Fields,
    private readonly limits: HttpLimits = DEFAULT_HTTP_LIMITS,
  ) {
    if (!(headers instanceof Fields)) throw new TypeError('outgoing-request needs a fields resource');
    // The request owns its headers from now on; wasi:http makes them immutable.
    this.#headers = classOf(headers).trusted(headers.entries());
  }

  body(): OutgoingBody {
    if (this.#bodyTaken) throw undefined;
    this.#bodyTaken = true;
    this.#body = new OutgoingBody(
      this.limits.requestBodyBytes,
      () => {
        const values = this.#headers.get('content-length');
        if (values.length === 0) return undefined;
        const text = latin1(values[0]);
        return /^\d{1,15}$/.test(text) ? Number(text) : -1;
      },
      budgetOf(this.#headers),
    );
    return this.#body;
  }

  method(): Method {
    return this.#method;
  }
  setMethod(method: Method): void {
    if (method.tag === 'other' && !TOKEN.test(method.val)) throw undefined;
    this.#method = method;
  }

  pathWithQuery(): string | undefined {
    return this.#pathWithQuery;
  }
  setPathWithQuery(value: string | undefined): void {
    if (value !== undefined && !PATH.test(value)) throw undefined;
    this.#pathWithQuery = value;
  }

  scheme(): Scheme | undefined {
    return this.#scheme;
  }
  setScheme(scheme: Scheme | undefined): void {
    if (scheme?.tag === 'other' && !SCHEME.test(scheme.val)) throw undefined;
    this.#scheme = scheme;
  }

  authority(): string | undefined {
    return this.#authority;
  }
  setAuthority(value: string | undefined): void {
    if (value !== undefined) {
      const m = AUTHORITY.exec(value);
      if (!m || (m[3] !== undefined && Number(m[3]) > 65535)) throw undefined;
    }
    this.#authority = value;
  }

  headers(): Fields {
    return immutableCopy(this.#headers);
  }
}

export class IncomingBody {
  #stream: InputStream | undefined;
  #finished = false;

  constructor(bytes: Uint8Array) {
    this.#stream = new InputStream(bytesSource(bytes));
  }

  stream(): InputStream {
    const stream = this.#stream;
    if (!stream) throw undefined;
    this.#stream = undefined;
    return stream;
  }

  static finish(body: IncomingBody): FutureTrailers {
    if (body.#finished) throw new Error('incoming-body finished twice');
    body.#finished = true;
    return new FutureTrailers();
  }
}

/** The whole response is in memory, so its (absent) trailers are known at once. */
export class FutureTrailers {
  #taken = false;

  subscribe(): Pollable {
    return readyPollable();
  }

  get(): Result<Result<Fields | undefined, ErrorCode>, void> {
    if (this.#taken) return { tag: 'err', val: undefined };
    this.#taken = true;
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
}

export class IncomingResponse {
  readonly #status: number;
  readonly #headers: Fields;
  #body: IncomingBody | undefined;

  constructor(response: HttpResponsePayload, fields: typeof Fields = Fields) {
    this.#status = response.status;
    this.#headers = fields.trusted(response.headers.map(([n, v]) => [n, fromLatin1(v)]));
    this.#body = new IncomingBody(response.body);
  }

  status(): number {
    return this.#status;
  }

  headers(): Fields {
    return immutableCopy(this.#headers);
  }

  consume(): IncomingBody {
    const body = this.#body;
    if (!body) throw undefined;
    this.#body = undefined;
    return body;
  }
}

type Outcome = { response: IncomingResponse } | { error: ErrorCode };

export class FutureIncomingResponse {
  #outcome: Outcome | undefined;
  #taken = false;

  constructor(
    private readonly perform: () => Outcome | undefined,
    private readonly abandon: () => Outcome,
  ) {}

  subscribe(): Pollable {
    return new Pollable(
      () => this.#settle(),
      () => {
        // Nothing else can finish the body while the guest waits here: fail rather than hang.
        if (!this.#settle()) this.#outcome = this.abandon();
      },
    );
  }

  get(): Result<Result<IncomingResponse, ErrorCode>, void> | undefined {
    if (!this.#settle()) return undefined;
    if (this.#taken) return { tag: 'err', val: undefined };
    this.#taken = true;
    const outcome = this.#outcome!;
    return { tag: 'ok', val: 'response' in outcome ? { tag: 'ok', val: outcome.response } : { tag: 'err', val: outcome.error } };
  }

  #settle(): boolean {
    this.#outcome ??= this.perform();
    return this.#outcome !== undefined;
  }
}

/**
 * The serving side of wasi:http/types. Weld never calls a guest's incoming-handler, so it never
 * creates an incoming-request or response-outparam; the glue still needs the classes to load, and a
 * guest may build an outgoing-response, which it can never send anywhere.
 */
export class IncomingRequest {}

// biome-ignore lint/complexity/noStaticOnlyClass: a wasi:http resource, which the glue needs as a class
export class ResponseOutparam {
  static set(): void {
    throw new Error('Weld does not serve HTTP requests to components');
  }
}

export class OutgoingResponse {
  readonly #headers: Fields;
  #status = 200;
  #bodyTaken = false;

  constructor(headers: Fields) {
    if (!(headers instanceof Fields)) throw new TypeError('outgoing-response needs a fields resource');
    this.#headers = classOf(headers).trusted(headers.entries());
  }

  statusCode(): number {
    return this.#status;
  }
  setStatusCode(status: number): void {
    if (!Number.isInteger(status) || status < 100 || status > 999) throw undefined;
    this.#status = status;
  }
  headers(): Fields {
    return immutableCopy(this.#headers);
  }
  body(): OutgoingBody {
    if (this.#bodyTaken) throw undefined;
    this.#bodyTaken = true;
    return new OutgoingBody(DEFAULT_HTTP_LIMITS.requestBodyBytes, () => undefined, budgetOf(this.#headers));
  }
}

const METHODS: Record<Exclude<Method['tag'], 'other'>, string> = {
  get: 'GET',
  head: 'HEAD',
  post: 'POST',
  put: 'PUT',
  delete: 'DELETE',
  connect: 'CONNECT',
  options: 'OPTIONS',
  trace: 'TRACE',
  patch: 'PATCH',
};

const ms = (ns: bigint | undefined): number | undefined => (ns === undefined ? undefined : Number(ns / 1_000_000n));

function isResponsePayload(value: unknown): value is HttpResponsePayload {
  const r = value as HttpResponsePayload;
  return (
    typeof r === 'object' &&
    r !== null &&
    Number.isInteger(r.status) &&
    r.status >= 100 &&
    r.status <= 999 &&
    Array.isArray(r.headers) &&
    r.headers.every((h) => Array.isArray(h) && typeof h[0] === 'string' && typeof h[1] === 'string') &&
    r.body instanceof Uint8Array
  );
}

export function createHttp(ctx: { bridge: HostBridge; limits?: Partial<HttpLimits> }) {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...ctx.limits };
  const budget = new HeldBudget(limits.heldBytes);
  /** The instance's header sets: every one the guest or the host makes for it is charged to its budget. */
  class InstanceFields extends Fields {
    constructor() {
      super(budget);
    }
  }

  /** The request as the engine receives it, or the code that stops it before it leaves the worker. */
  function payloadOf(parts: RequestParts, options: RequestOptions | undefined): Omit<HttpRequestPayload, 'body'> {
    const scheme =
      parts.scheme === undefined || parts.scheme.tag === 'HTTPS' ? 'https' : parts.scheme.tag === 'HTTP' ? 'http' : '';
    // Other schemes cannot be fetched over HTTP; no authority means no host to check.
    if (!scheme || !parts.authority) throw errorCode('HTTP-request-URI-invalid');
    const url = `${scheme}://${parts.authority}${parts.pathWithQuery ?? '/'}`;
    if (url.length > limits.urlLength) throw errorCode('HTTP-request-URI-too-long');
    if (!URL.canParse(url)) throw errorCode('HTTP-request-URI-invalid');

    let size = 0;
    const headers = parts.headers.entries().map(([name, value]): [string, string] => {
      size += name.length + value.length + 4;
      return [name, latin1(value)];
    });
    if (size > limits.headerSectionBytes) throw { tag: 'HTTP-request-header-section-size', val: size } satisfies ErrorCode;

    const method = parts.method.tag === 'other' ? parts.method.val : METHODS[parts.method.tag];
    const timeouts = {
      connectMs: ms(options?.connectTimeout()),
      firstByteMs: ms(options?.firstByteTimeout()),
      betweenBytesMs: ms(options?.betweenBytesTimeout()),
    };
    return { method, url, headers, timeouts };
  }

  function handle(request: OutgoingRequest, options: RequestOptions | undefined): FutureIncomingResponse {
    if (!(request instanceof OutgoingRequest)) throw new TypeError('handle needs an outgoing-request resource');
    if (options !== undefined && !(options instanceof RequestOptions)) throw new TypeError('handle needs request-options');
    const parts = requestParts(request);
    const head = payloadOf(parts, options);

    const perform = (): Outcome | undefined => {
      const body = parts.body?.outcome() ?? { bytes: null };
      if ('pending' in body) return undefined;
      if ('error' in body) return { error: body.error };
      try {
        const response = ctx.bridge.call(HOST_OPS.http, { ...head, body: body.bytes } satisfies HttpRequestPayload);
        if (!isResponsePayload(response)) return { error: errorCode('internal-error') };
        return { response: new IncomingResponse(response, InstanceFields) };
      } catch (err) {
        return { error: errorCodeFromMessage(err instanceof Error ? err.message : String(err)) };
      }
    };
    const abandon = (): Outcome => ({ error: errorCode('HTTP-request-body-size') });
    return new FutureIncomingResponse(perform, abandon);
  }

  /** The resource classes are per instance only in their limits; the glue needs the class itself. */
  class LimitedOutgoingRequest extends OutgoingRequest {
    constructor(headers: Fields) {
      super(headers, limits);
    }
  }

  return {
    types: {
      Fields: InstanceFields,
      OutgoingRequest: LimitedOutgoingRequest,
      OutgoingBody,
      RequestOptions,
      IncomingResponse,
      IncomingBody,
      FutureIncomingResponse,
      FutureTrailers,
      IncomingRequest,
      OutgoingResponse,
      ResponseOutparam,
      httpErrorCode,
    },
    outgoingHandler: { handle },
  };
}
