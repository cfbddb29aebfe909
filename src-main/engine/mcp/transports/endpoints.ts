import type { Socket } from 'node:net';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { EventBus } from '../../events.js';
import type { Logger } from '../../log.js';
import { type Metrics, renderPrometheus } from '../../telemetry/index.js';
import type { McpServer } from '../server.js';
import type { HttpEndpoint } from './http-endpoint.js';
import { loadOrCreateToken } from './http-token.js';
import type { NdjsonTransport } from './ndjson-transport.js';
import { listenSocket, type SocketListener } from './socket-listener.js';

/** The fixed default, so client configs written once keep pointing at Weld. */
export const DEFAULT_HTTP_PORT = 7390;
/** How long close() lets running tool calls finish before cancelling them. */
export const DEFAULT_DRAIN_MS = 10_000;

/** The parts of the engine the endpoints use; a Weld satisfies it. */
export interface EndpointHost {
  paths: { home: string; socket: string };
  events: EventBus;
  logger: Logger;
  /** Served as Prometheus text at /metrics on the HTTP endpoint. */
  metrics?: Metrics;
  createMcpServer(): McpServer;
}

export interface EndpointOptions {
  /** true: the default path in the data dir. */
  socket?: string | true;
  /** true: DEFAULT_HTTP_PORT; 0: any free port. */
  http?: number | true;
  drainMs?: number;
}

export interface Endpoints {
  socketPath?: string;
  httpUrl?: string;
  token?: string;
  /** Open client connections (socket connections plus HTTP sessions), for the tray's status line. */
  connections(): number;
  /** Stops accepting, lets running calls finish (up to drainMs), then closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts the local MCP endpoints the tray app and `weld serve` offer. Either all requested endpoints
 * start or none stays open: a half-started Weld would confuse clients about which one is live.
 */
export async function startEndpoints(weld: EndpointHost, opts: EndpointOptions): Promise<Endpoints> {
  const connections = new Set<Transport>();
  const inFlight = trackCalls(weld.events);
  let socket: SocketListener | undefined;
  let http: HttpEndpoint | undefined;
  let token: string | undefined;

  const serveConnection = (transport: NdjsonTransport, stream: Socket) => {
    connections.add(transport);
    weld.logger.debug('socket client connected', { connections: connections.size });
    transport.onclose = () => {
      connections.delete(transport);
      weld.logger.debug('socket client left', { connections: connections.size });
    };
    weld
      .createMcpServer()
      .connect(transport)
      .catch((err) => {
        weld.logger.warn('socket connection failed to start', { err: String(err) });
        stream.destroy();
      });
  };

  async function close(): Promise<void> {
    // Stop accepting first: new clients get "connection refused" and retry against the next Weld.
    const socketClosed = socket?.close();
    http?.stopAccepting();
    await inFlight.idle(opts.drainMs ?? DEFAULT_DRAIN_MS);
    await Promise.all([...connections].map((t) => t.close().catch(() => {})));
    await Promise.all([socketClosed, http?.close()]);
    inFlight.dispose();
  }

  try {
    if (opts.socket !== undefined) {
      // Loaded with the endpoint that needs it: it brings the SDK's message schemas, which a server
      // loads after starting its workers (see WeldOptions.prewarm).
      const { NdjsonTransport } = await import('./ndjson-transport.js');
      socket = await listenSocket(opts.socket === true ? weld.paths.socket : opts.socket, (stream) =>
        serveConnection(new NdjsonTransport(stream), stream),
      );
    }
    if (opts.http !== undefined) {
      token = loadOrCreateToken(weld.paths.home);
      const metrics = weld.metrics;
      // The SDK's Streamable HTTP transport (and the HTTP framework under it) loads only when asked for.
      const { listenHttp } = await import('./http-endpoint.js');
      http = await listenHttp({
        createMcpServer: () => weld.createMcpServer(),
        token,
        port: opts.http === true ? DEFAULT_HTTP_PORT : opts.http,
        metrics: metrics && (() => renderPrometheus(metrics)),
      });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    socketPath: socket?.path,
    httpUrl: http?.url,
    token,
    connections: () => connections.size + (http?.sessions() ?? 0),
    close,
  };
}

/** Counts the engine's running tool calls, whichever endpoint started them, so shutdown can wait for them. */
function trackCalls(events: EventBus) {
  let running = 0;
  let waiter: (() => void) | null = null;
  const offStart = events.on('call.started', () => {
    running += 1;
  });
  const offFinish = events.on('call.finished', () => {
    running = Math.max(0, running - 1);
    if (running === 0) waiter?.();
  });
  return {
    idle(timeoutMs: number): Promise<void> {
      if (running === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiter = () => {
          clearTimeout(timer);
          // The last reply is written after call.finished; let it reach the socket before closing.
          setImmediate(resolve);
        };
      });
    },
    dispose() {
      offStart();
      offFinish();
    },
  };
}
