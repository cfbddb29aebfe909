import { homedir } from 'node:os';
import type { WeldLauncher } from '../../api/context.js';
import type { PlatformInfo } from '../../engine/config.js';
import { weldPaths } from '../../engine/config.js';
import { MCP_PATH } from '../../engine/mcp/transports/http-guard.js';
import { loadOrCreateToken } from '../../engine/mcp/transports/http-token.js';
import type { CliIo } from '../command.js';
import type { ClientTransport, McpClient, WeldEndpoint } from './clients.js';

export function platformInfo(io: CliIo): PlatformInfo {
  return { env: io.env, platform: process.platform, home: io.env.HOME ?? homedir() };
}

/**
 * What a client config points at: `launcher` running `connect` to this data dir's socket, or the
 * HTTP endpoint with this data dir's token (read, or created, only when HTTP is asked for).
 */
export function weldEndpoint(home: string, launcher: WeldLauncher, port: number): WeldEndpoint {
  return {
    stdio: {
      command: launcher.command,
      args: [...launcher.args, 'connect', '--socket', weldPaths(home).socket],
      env: launcher.env,
    },
    http: {
      url: `http://127.0.0.1:${port}${MCP_PATH}`,
      get token() {
        return loadOrCreateToken(home);
      },
    },
  };
}

/** The JSON to paste into a client's config: `weld config` prints it and the UI's copy button copies it. */
export function configSnippet(client: McpClient, weld: WeldEndpoint, transport: ClientTransport): string {
  const inputs = client.inputs?.(transport);
  const snippet = { ...(inputs ? { inputs } : {}), [client.serversKey]: { [SERVER_NAME]: client.entry(weld, transport) } };
  return `${JSON.stringify(snippet, null, 2)}\n`;
}

/** The name Weld's entry has in every client's server list. */
export const SERVER_NAME = 'weld';
