import type { Handlers } from './context.js';

/**
 * The `mcpServers` entry most desktop MCP clients read. They spawn their server over stdio, and
 * `weld serve --stdio` shares the data dir (grants, audit) with the tray app.
 */
export function clientConfig(dataDir: string): string {
  return JSON.stringify(
    { mcpServers: { weld: { command: 'weld', args: ['serve', '--stdio'], env: { WELD_HOME: dataDir } } } },
    null,
    2,
  );
}

export const settingsHandlers: Handlers<'settings.get'> = {
  'settings.get': (_input, ctx) => ({
    version: ctx.weld.version,
    dataDir: ctx.weld.paths.home,
    socketPath: ctx.weld.paths.socket,
    httpUrl: ctx.httpUrl,
    shell: ctx.shell,
    clientConfig: clientConfig(ctx.weld.paths.home),
  }),
};
