import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ErrorCode, isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '../server.js';
import { checkRequest, MCP_PATH, METRICS_PATH } from './http-guard.js';
import { EndpointInUseError } from './socket-listener.js';

export interface HttpLimits {
  maxBodyBytes: number;
  maxSessions: number;
  /** A session with no request for this long is closed; its client re-initializes on its next call. */
  idleSessionMs: number;
}

const DEFAULT_LIMITS: HttpLimits = { maxBodyBytes: 4 * 1024 * 1024, maxSessions: 256, idleSessionMs: 30 * 60_000 };

export interface HttpEndpoint {
  url: string;
  port: number;
  /** Sessions open now; for tests and the status view. */
  sessions(): number;
  /** New TCP connections are refused; open sessions keep working until close(). */
  stopAccepting(): void;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  lastSeen: number;
}

/**
 * Streamable HTTP (the SDK's transport, one MCP server per session) on 127.0.0.1 only, behind the
 * checks the SDK leaves to us: Host and Origin against DNS rebinding and web pages, a bearer token,
 * and a body size limit. Refusals are JSON-RPC error objects so MCP clients can show them.
 */
export async function listenHttp(deps: {
  createMcpServer: () => McpServer;
  token: string;
  port: number;
  limits?: Partial<HttpLimits>;
  /** Prometheus text for GET /metrics; without it /metrics is 404. */
  metrics?: () => string;
}): Promise<HttpEndpoint> {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const sessions = new Map<string, Session>();
  let port = deps.port;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = checkRequest(
      {
        method: req.method,
        url: req.url,
        host: req.headers.host,
        origin: req.headers.origin,
        authorization: req.headers.authorization,
      },
      { port, token: deps.token },
    );
    if (refusal) return reply(res, refusal.status, refusal.message);
    if ((req.url ?? '').split('?')[0] === METRICS_PATH) {
      if (!deps.metrics) return reply(res, 404, `Not found: metrics are not served here; the MCP endpoint is ${MCP_PATH}`);
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(deps.metrics());
      return;
    }

    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, limits.maxBodyBytes);
      if (raw === null) {
        res.setHeader('Connection', 'close');
        return reply(res, 413, `Message too large: the limit is ${limits.maxBodyBytes / (1024 * 1024)} MiB`);
      }
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        return reply(res, 400, `Parse error: ${(err as Error).message}`, ErrorCode.ParseError);
      }
    }

    const sessionId = req.headers['mcp-session-id'];
    let session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (sessionId !== undefined && !session) {
      return reply(res, 404, 'Session not found: it was closed or expired; send initialize to start a new one');
    }
    if (!session) {
      if (req.method !== 'POST' || !isInitializeRequest(body)) {
        return reply(res, 400, 'Bad Request: no Mcp-Session-Id header; start a session with an initialize request');
      }
      if (sessions.size >= limits.maxSessions) return reply(res, 503, 'Too many open sessions; close one and retry');
      session = await openSession();
    }
    session.lastSeen = Date.now();
    cancelOnDisconnect(res, body, session.transport);
    await session.transport.handleRequest(req, res, body);
    // An initialize the SDK rejected leaves a server no session id points to: close it now, or it
    // would keep its tool-list subscription forever.
    if (!session.transport.sessionId) await session.transport.close();
  }

  async function openSession(): Promise<Session> {
    const session: Session = {
      lastSeen: Date.now(),
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => {
          sessions.set(id, session);
        },
      }),
    };
    session.transport.onclose = () => {
      if (session.transport.sessionId) sessions.delete(session.transport.sessionId);
    };
    await deps.createMcpServer().connect(session.transport);
    return session;
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) reply(res, 500, `Internal error: ${(err as Error).message}`, ErrorCode.InternalError);
      else res.destroy();
    });
  });
  // Each connection holds buffers; local clients need a handful, so a flood is cut off here.
  http.maxConnections = limits.maxSessions * 2;
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new EndpointInUseError(`port ${deps.port} on 127.0.0.1 is already in use (another Weld?)`)
          : new Error(`cannot listen on 127.0.0.1:${deps.port}: ${err.message}`),
      ),
    );
    http.listen(deps.port, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;

  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - limits.idleSessionMs;
      for (const s of sessions.values()) if (s.lastSeen < cutoff) void s.transport.close();
    },
    Math.min(60_000, limits.idleSessionMs),
  );
  sweep.unref();

  return {
    url: `http://127.0.0.1:${port}${MCP_PATH}`,
    port,
    sessions: () => sessions.size,
    stopAccepting: () => {
      http.close();
    },
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => {})));
      http.close();
      http.closeAllConnections();
    },
  };
}

/**
 * A client that goes away mid-call (closed tab, killed process) must not leave its tools running:
 * if the response closes before it was finished, the requests it carried are cancelled as if the
 * client had sent notifications/cancelled.
 */
function cancelOnDisconnect(res: ServerResponse, body: unknown, transport: StreamableHTTPServerTransport): void {
  const ids = (Array.isArray(body) ? body : [body])
    .filter((m): m is { id: string | number; method: string } => typeof m?.method === 'string' && m.id !== undefined)
    .map((m) => m.id);
  if (!ids.length) return;
  res.once('close', () => {
    if (res.writableFinished) return;
    for (const requestId of ids) {
      transport.onmessage?.({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId, reason: 'the HTTP client disconnected' },
      } as JSONRPCMessage);
    }
  });
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(size > max ? null : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function reply(res: ServerResponse, status: number, message: string, code: number = ErrorCode.InvalidRequest): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...(status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}) });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
