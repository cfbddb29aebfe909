import { findClient } from '../cli/mcp-clients/clients.js';
import { configSnippet, weldEndpoint } from '../cli/mcp-clients/endpoint.js';
import { promptClients, setPromptClient } from '../engine/mcp/prompt-clients.js';
import { DEFAULT_HTTP_PORT } from '../engine/mcp/transports/endpoints.js';
import { componentSources, setComponentSource } from '../engine/runtime/component-sources.js';
import { callHistoryDays, pruneCallHistory, setCallHistoryDays } from '../engine/store/retention.js';
import { ApiError, type Handlers, type WeldLauncher } from './context.js';

/**
 * The `mcpServers` entry most desktop MCP clients read (they spawn stdio servers): exactly what
 * `weld config claude-desktop` prints, `weld connect` bridging to this Weld's socket, so the client
 * talks to the running Weld whose window answers its permission requests.
 */
export function clientConfig(dataDir: string, launcher: WeldLauncher): string {
  const claude = findClient('claude-desktop');
  if (!claude) throw new Error('the claude-desktop client entry is missing');
  return configSnippet(claude, weldEndpoint(dataDir, launcher, DEFAULT_HTTP_PORT), 'stdio');
}

/** A setting's own validation (a RangeError with a sentence) is the person's bad input, not a server fault. */
function asBadInput<T>(change: () => T): T {
  try {
    return change();
  } catch (err) {
    throw err instanceof RangeError ? new ApiError('bad-input', err.message) : err;
  }
}

export const settingsHandlers: Handlers<
  'settings.get' | 'settings.setCallHistory' | 'settings.setPromptClient' | 'settings.setComponentSource'
> = {
  'settings.get': (_input, ctx) => ({
    version: ctx.weld.version,
    dataDir: ctx.weld.paths.home,
    socketPath: ctx.socketPath,
    httpUrl: ctx.httpUrl,
    shell: ctx.shell,
    clientConfig: clientConfig(ctx.weld.paths.home, ctx.launcher),
    callHistoryDays: callHistoryDays(ctx.weld.store),
    promptClients: promptClients(ctx.weld.store),
    componentSources: componentSources(ctx.weld.store),
  }),
  'settings.setCallHistory': async ({ days }, ctx) => {
    setCallHistoryDays(ctx.weld.store, days, ctx.actor);
    const { calls } = await pruneCallHistory(ctx.weld.store);
    return { days, removed: calls };
  },
  'settings.setPromptClient': ({ name, trusted }, ctx) =>
    asBadInput(() => ({ promptClients: setPromptClient(ctx.weld.store, name, trusted, ctx.actor) })),
  'settings.setComponentSource': ({ folder, trusted }, ctx) =>
    asBadInput(() => ({
      componentSources: setComponentSource(ctx.weld.store, folder, trusted, ctx.actor, ctx.weld.paths.home),
    })),
};
