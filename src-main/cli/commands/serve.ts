import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createLogger } from '../../engine/log.js';
import { createWeld } from '../../engine/weld.js';
import { startWebUi } from '../../web/web-ui.js';
import { type Command, UsageError } from '../command.js';
import { dataDir } from '../engine.js';

export const serve: Command = {
  name: 'serve',
  summary: 'Run the MCP server (stdio) and/or the web UI headless',
  usage: `Usage: weld serve [--stdio] [--ui [--port N]]

  --stdio   speak MCP over stdin/stdout (for clients that spawn their server)
  --ui      serve the Weld UI on http://127.0.0.1 with a random token (URL printed once)
  --port N  port for --ui (default: a free port)`,
  options: { stdio: { type: 'boolean' }, ui: { type: 'boolean' }, port: { type: 'string' } },
  async run({ io, values }) {
    if (!values.stdio && !values.ui) throw new UsageError('choose an endpoint: --stdio and/or --ui');
    if (values.port !== undefined && !values.ui) throw new UsageError('--port needs --ui');
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError('--port must be a whole number from 0 to 65535');

    // stdout belongs to the MCP stream in stdio mode: every log line goes to stderr.
    const logger = createLogger({ write: io.stderr, level: io.env.WELD_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
    const weld = await createWeld({ home: dataDir(io), env: io.env, logger });
    const stops: (() => Promise<void>)[] = [];
    const ended: Promise<void>[] = [io.interrupted];

    if (values.ui) {
      // This very `weld` (node + bin/weld.js), so the copied client config works without PATH changes.
      const ui = await startWebUi(weld, { port, launcher: { command: process.execPath, args: [process.argv[1]] } });
      stops.push(() => ui.close());
      (values.stdio ? io.stderr : io.stdout)(`Weld UI: ${ui.url}\n`);
    }
    if (values.stdio) {
      const transport = new StdioServerTransport();
      const server = weld.createMcpServer();
      ended.push(
        new Promise<void>((resolve) => {
          transport.onclose = resolve;
          process.stdin.once('end', resolve);
        }),
      );
      await server.connect(transport);
      stops.push(() => server.close().catch(() => {}));
      logger.info(`weld ${weld.version} serving MCP on stdio`, { home: weld.paths.home });
    }
    await Promise.race(ended);
    for (const stop of stops) await stop();
    await weld.stop();
    return 0;
  },
};
