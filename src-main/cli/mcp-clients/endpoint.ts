import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { PlatformInfo } from '../../engine/config.js';
import { weldPaths } from '../../engine/config.js';
import { MCP_PATH } from '../../engine/mcp/transports/http-guard.js';
import { loadOrCreateToken } from '../../engine/mcp/transports/http-token.js';
import type { CliIo } from '../command.js';
import { dataDir } from '../engine.js';
import type { WeldEndpoint } from './clients.js';

export function platformInfo(io: CliIo): PlatformInfo {
  return { env: io.env, platform: process.platform, home: io.env.HOME ?? homedir() };
}

/**
 * What a client config points at: this very `weld` (absolute node + script paths, so the client needs
 * no PATH) running `connect` to this data dir's socket, or the HTTP endpoint with this data dir's token.
 */
export function weldEndpoint(io: CliIo, port: number): WeldEndpoint {
  const home = dataDir(io);
  return {
    stdio: { command: process.execPath, args: [resolve(process.argv[1]), 'connect', '--socket', weldPaths(home).socket] },
    http: { url: `http://127.0.0.1:${port}${MCP_PATH}`, token: loadOrCreateToken(home) },
  };
}
