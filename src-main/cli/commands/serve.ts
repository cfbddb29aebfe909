import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createLogger } from '../../engine/log.js';
import { createWeld } from '../../engine/weld.js';
import { type Command, UsageError } from '../command.js';
import { dataDir } from '../engine.js';

export const serve: Command = {
  name: 'serve',
  summary: 'Run the MCP server (stdio) headless',
  usage: `Usage: weld serve --stdio

  --stdio   speak MCP over stdin/stdout (for clients that spawn their server)`,
  options: { stdio: { type: 'boolean' } },
  async run({ io, values }) {
    if (!values.stdio) throw new UsageError('choose an endpoint: --stdio');
    // stdout belongs to the MCP stream: every log line goes to stderr.
    const logger = createLogger({ write: io.stderr, level: io.env.WELD_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
    const weld = await createWeld({ home: dataDir(io), env: io.env, logger });
    const transport = new StdioServerTransport();
    const server = weld.createMcpServer();
    const closed = new Promise<void>((resolve) => {
      transport.onclose = resolve;
      process.stdin.once('end', resolve);
    });
    await server.connect(transport);
    logger.info(`weld ${weld.version} serving MCP on stdio`, { home: weld.paths.home });
    await Promise.race([closed, io.interrupted]);
    await server.close().catch(() => {});
    await weld.stop();
    return 0;
  },
};
