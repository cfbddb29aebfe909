import { callHistoryDays, pruneCallHistory, setCallHistoryDays } from '../engine/store/retention.js';
import type { Handlers, WeldLauncher } from './context.js';

/**
 * The `mcpServers` entry most desktop MCP clients read. They spawn their server over stdio, and
 * `weld serve --stdio` shares the data dir (grants, audit) with the tray app. Absolute paths, because
 * clients start servers without the user's shell PATH.
 */
export function clientConfig(dataDir: string, launcher: WeldLauncher): string {
  const server = {
    command: launcher.command,
    args: [...launcher.args, 'serve', '--stdio'],
    env: { ...launcher.env, WELD_HOME: dataDir },
  };
  return JSON.stringify({ mcpServers: { weld: server } }, null, 2);
}

export const settingsHandlers: Handlers<'settings.get' | 'settings.setCallHistory'> = {
  'settings.get': (_input, ctx) => ({
    version: ctx.weld.version,
    dataDir: ctx.weld.paths.home,
    socketPath: ctx.weld.paths.socket,
    httpUrl: ctx.httpUrl,
    shell: ctx.shell,
    clientConfig: clientConfig(ctx.weld.paths.home, ctx.launcher),
    callHistoryDays: callHistoryDays(ctx.weld.store),
  }),
  'settings.setCallHistory': async ({ days }, ctx) => {
    setCallHistoryDays(ctx.weld.store, days, ctx.actor);
    const { calls } = await pruneCallHistory(ctx.weld.store);
    return { days, removed: calls };
  },
};
