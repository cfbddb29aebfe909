import { join } from 'node:path';
import type { WeldLauncher } from '../api/context.js';
import { createApiEventStream } from '../api/event-stream.js';
import { createApiDispatch } from '../api/registry.js';
import type { Weld } from '../engine/weld.js';
import { startWebServer, type WebServer } from './server.js';

/** out/main/*.js sits next to out/renderer once built; every chunk lands in out/main (flat output). */
export const BUILT_RENDERER_DIR = join(import.meta.dirname, '..', 'renderer');

/** Serves the renderer and the API of one engine over HTTP, as `weld serve --ui` does. */
export async function startWebUi(
  weld: Weld,
  opts: {
    port?: number;
    rendererDir?: string;
    token?: string;
    pollMs?: number;
    launcher?: WeldLauncher;
    /** The MCP HTTP endpoint when the same process serves one (shown in Settings). */
    httpUrl?: string;
    /** The MCP socket when the same process serves one (shown in Settings). */
    socketPath?: string | null;
  } = {},
): Promise<WebServer> {
  // An open UI tab is a person who can answer capability requests.
  const events = createApiEventStream(weld, { pollMs: opts.pollMs, decider: 'web-ui' });
  const server = await startWebServer({
    dispatch: createApiDispatch({
      weld,
      actor: 'user:web-ui',
      shell: 'web',
      httpUrl: opts.httpUrl ?? null,
      socketPath: opts.socketPath ?? null,
      launcher: opts.launcher ?? { command: 'weld', args: [] },
    }),
    events,
    rendererDir: opts.rendererDir ?? BUILT_RENDERER_DIR,
    port: opts.port,
    token: opts.token,
    logger: weld.logger,
  });
  return {
    ...server,
    async close() {
      events.close();
      await server.close();
    },
  };
}
