import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiErrorCode, isApiName, maxBodyBytes } from '../../src-preload/api.js';
import { ApiError } from '../api/context.js';
import type { ApiEventStream } from '../api/event-stream.js';
import { type ApiDispatch, toErrorBody } from '../api/registry.js';
import type { Logger } from '../engine/log.js';
import { CONTENT_SECURITY_POLICY, hostAllowed, originAllowed, requestToken, tokenMatches } from './guard.js';
import { readStatic } from './static.js';

export interface WebServerOptions {
  dispatch: ApiDispatch;
  events: ApiEventStream;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 or absent: a free port chosen by the OS. */
  port?: number;
  /** For tests; by default a fresh random token per start. */
  token?: string;
  logger: Logger;
  maxBodyBytes?: number;
}

export interface WebServer {
  readonly port: number;
  readonly token: string;
  /** The URL a person opens: includes the token, which the page then keeps in sessionStorage. */
  readonly url: string;
  close(): Promise<void>;
}

const STATUS: Record<ApiErrorCode, number> = {
  'bad-operation': 400,
  'bad-input': 400,
  'not-found': 404,
  conflict: 409,
  unauthorized: 401,
  internal: 500,
};

const HEARTBEAT_MS = 15_000;

/** The web UI mode: the real renderer and its API over HTTP + SSE, bound to 127.0.0.1 only. */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const streams = new Set<ServerResponse>();
  let port = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      opts.logger.error('web UI request failed', { err: String(err) });
      if (!res.headersSent) sendJson(res, 500, toErrorBody(err));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // The page URL carries the token; never send it to anyone as a Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (!hostAllowed(req.headers.host, port)) {
      return sendError(res, 403, 'unauthorized', 'Host not allowed: open the Weld UI at 127.0.0.1 or localhost.');
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname.startsWith('/api/')) {
      if (!originAllowed(req.headers.origin, port)) {
        return sendError(res, 403, 'unauthorized', 'Cross-origin requests are not allowed.');
      }
      if (!tokenMatches(requestToken(req.headers.authorization, url), token)) {
        return sendError(res, 401, 'unauthorized', 'Missing or wrong token: open the URL printed by `weld serve --ui`.');
      }
      if (url.pathname === '/api/events') {
        if (req.method !== 'GET') return sendError(res, 405, 'bad-operation', 'Use GET for /api/events.');
        return openEventStream(req, res);
      }
      if (req.method !== 'POST') return sendError(res, 405, 'bad-operation', 'API operations are called with POST.');
      return callApi(req, res, url.pathname.slice('/api/'.length));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'bad-operation', 'Method not allowed.');
    const file = await readStatic(opts.rendererDir, url.pathname);
    if (!file) return sendError(res, 404, 'not-found', 'Not found.');
    res.writeHead(200, {
      'Content-Type': file.type,
      'Content-Length': file.body.length,
      'Cache-Control': file.type.startsWith('text/html') ? 'no-store' : 'max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  async function callApi(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return sendError(res, 415, 'bad-input', 'Send the input as JSON (Content-Type: application/json).');
    }
    let op: string;
    try {
      op = decodeURIComponent(name);
    } catch {
      return sendError(res, 400, 'bad-operation', 'The operation name is not valid URL encoding.');
    }
    // Only an operation that takes an upload may send more than the usual limit.
    const limit = isApiName(op) ? maxBodyBytes(op, maxBody) : maxBody;
    const body = await readBody(req, limit);
    if (body === null) {
      res.setHeader('Connection', 'close');
      return sendError(res, 413, 'bad-input', `Request body is larger than ${limit} bytes.`);
    }
    let input: unknown;
    try {
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return sendError(res, 400, 'bad-input', 'Request body is not valid JSON.');
    }
    try {
      sendJson(res, 200, { value: await opts.dispatch(op, input) });
    } catch (err) {
      const body = toErrorBody(err, (e) => opts.logger.error('API operation failed', { op: name, err: String(e) }));
      sendJson(res, err instanceof ApiError ? STATUS[err.code] : 500, body);
    }
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    streams.add(res);
    const off = opts.events.subscribe((e) => res.write(`event: ${e.name}\ndata: ${JSON.stringify(e.payload)}\n\n`));
    const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    beat.unref();
    const done = () => {
      off();
      clearInterval(beat);
      streams.delete(res);
    };
    req.on('close', done);
    res.on('error', done);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: ApiErrorCode, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** Resolves null as soon as the body passes the limit, without buffering the rest. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
