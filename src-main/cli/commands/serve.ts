import { mkdirSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { acquireInstanceLock, type InstanceLock, InstanceRunningError } from '../../engine/instance.js';
import { createLogger } from '../../engine/log.js';
import { DEFAULT_HTTP_PORT, startEndpoints } from '../../engine/mcp/transports/endpoints.js';
import { tokenPath } from '../../engine/mcp/transports/http-token.js';
import { EndpointInUseError } from '../../engine/mcp/transports/socket-listener.js';
import { discardPrebooted } from '../../engine/runtime/worker-pool.js';
import { createWeld, type Weld } from '../../engine/weld.js';
import type { WebServer } from '../../web/server.js';
import { CliError, type Command, UsageError } from '../command.js';
import { dataDir } from '../engine.js';
import { cliLauncher } from '../mcp-clients/launcher.js';

export const serve: Command = {
  name: 'serve',
  summary: 'Run the MCP server headless (stdio, Unix socket, localhost HTTP) and/or the web UI',
  usage: `Usage: weld serve [--stdio] [--socket [PATH]] [--http [PORT]] [--ui [--port N]]

  --stdio          speak MCP over stdin/stdout (for clients that spawn their server); the server
                   then stops when the client closes stdin
  --socket [PATH]  listen on a Unix socket, mode 0600 (default: weld.sock in the data dir);
                   \`weld connect\` bridges stdio clients to it
  --http [PORT]    Streamable HTTP at http://127.0.0.1:PORT/mcp (default port ${DEFAULT_HTTP_PORT}) with the
                   bearer token stored in the data dir (file http-token); GET /metrics there
                   serves Prometheus metrics behind the same token
  --ui             serve the Weld UI on http://127.0.0.1 with a random token (URL printed once)
  --port N         port for --ui (default: a free port)

With --socket, --http or --ui this is the data dir's one long-running Weld (recorded in instance.json):
a second one is refused with the first one's pid and UI address. --stdio alone runs beside it.
SIGTERM or Ctrl-C lets running calls finish (up to 10 s), then stops.`,
  options: {
    stdio: { type: 'boolean' },
    socket: { type: 'string' },
    http: { type: 'string' },
    ui: { type: 'boolean' },
    port: { type: 'string' },
  },
  optionalValues: ['socket', 'http'],
  async run({ io, values }) {
    const socket = values.socket as string | undefined;
    const http = values.http === undefined ? undefined : parsePort('--http', values.http as string);
    if (!values.stdio && socket === undefined && http === undefined && !values.ui) {
      throw new UsageError('choose at least one endpoint: --stdio, --socket, --http or --ui');
    }
    if (values.port !== undefined && !values.ui) throw new UsageError('--port needs --ui');
    const uiPort = values.port === undefined ? 0 : parsePort('--port', values.port as string);

    // With --stdio, stdout belongs to the MCP stream: every log line goes to stderr.
    const logger = createLogger({ write: io.stderr, level: io.env.WELD_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
    const home = dataDir(io);
    // A server with an endpoint of its own is the data dir's long-running Weld; a stdio server is
    // spawned per client and shares the data dir with it.
    let lock: InstanceLock | undefined;
    if (socket !== undefined || http !== undefined || values.ui) {
      mkdirSync(home, { recursive: true, mode: 0o700 });
      try {
        lock = acquireInstanceLock(home, { shell: 'web', ui: null, socket: null });
      } catch (err) {
        if (err instanceof InstanceRunningError) throw new CliError(err.message);
        throw err;
      }
    }
    // Workers start while the engine finishes loading and the client connects and initializes, so the
    // first call finds them warm.
    let weld: Weld;
    let endpoints: Awaited<ReturnType<typeof startEndpoints>>;
    try {
      weld = await createWeld({ home, env: io.env, logger, prewarm: true });
      // Every installed component has its thread by now; one booted ahead for none is let go.
      discardPrebooted();
      try {
        endpoints = await startEndpoints(weld, { socket: socket === '' ? true : socket, http });
      } catch (err) {
        await weld.stop();
        if (err instanceof EndpointInUseError) throw new CliError(err.message);
        throw err;
      }
    } catch (err) {
      lock?.release();
      throw err;
    }
    lock?.update({ socket: endpoints.socketPath ?? null });
    if (endpoints.socketPath) logger.info(`serving MCP on socket ${endpoints.socketPath}`);
    if (endpoints.httpUrl) logger.info(`serving MCP on ${endpoints.httpUrl}`, { tokenFile: tokenPath(weld.paths.home) });

    let ui: WebServer | undefined;
    if (values.ui) {
      // Loaded only here: the web UI's API layer is not part of serving MCP.
      const { startWebUi } = await import('../../web/web-ui.js');
      // This very `weld` (node + bin/weld.js), so the copied client config works without PATH changes.
      ui = await startWebUi(weld, {
        port: uiPort === true ? 0 : uiPort,
        httpUrl: endpoints.httpUrl,
        socketPath: endpoints.socketPath ?? null,
        launcher: cliLauncher(),
      });
      lock?.update({ ui: ui.url });
      (values.stdio ? io.stderr : io.stdout)(`Weld UI: ${ui.url}\n`);
    }

    let stdioClosed = new Promise<void>(() => {});
    if (values.stdio) {
      // The same framing as the socket (frame limit, JSON-RPC error replies, backpressure), not the SDK's
      // stdio transport, which drops malformed lines silently. Loaded after the engine, which started
      // the workers before loading the SDK this transport needs.
      const { NdjsonTransport } = await import('../../engine/mcp/transports/ndjson-transport.js');
      const transport = new NdjsonTransport(Duplex.from({ readable: process.stdin, writable: process.stdout }));
      stdioClosed = new Promise<void>((resolve) => {
        transport.onclose = resolve;
      });
      await weld.createMcpServer().connect(transport);
      logger.info('serving MCP on stdio');
    }
    logger.info(`weld ${weld.version} ready`, { home: weld.paths.home });
    await Promise.race([stdioClosed, io.interrupted]);
    logger.info('stopping: letting running calls finish');
    await ui?.close();
    await endpoints.close();
    await weld.stop();
    lock?.release();
    return 0;
  },
};

function parsePort(flag: string, value: string): number | true {
  if (value === '') return true;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag}: "${value}" is not a port number`);
  return port;
}
