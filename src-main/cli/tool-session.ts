import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { weldPaths } from '../engine/config.js';
import { createLogger } from '../engine/log.js';
import { CallError } from '../engine/mcp/dispatch.js';
import type { ToolResult } from '../engine/mcp/tool-table.js';
import { NdjsonTransport } from '../engine/mcp/transports/ndjson-transport.js';
import { createWeld } from '../engine/weld.js';
import { CliError, type CliIo } from './command.js';
import { dataDir } from './engine.js';

export interface ToolSession {
  /** Where calls go: 'running Weld (socket ...)' or 'in-process'. */
  via: string;
  list(): Promise<Tool[]>;
  call(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

/**
 * Calls go through the running Weld when there is one (so the tray sees them and can answer permission
 * prompts); otherwise through an engine started in this process, which denies what is not granted.
 */
export async function openToolSession(io: CliIo, opts: { socket?: string } = {}): Promise<ToolSession> {
  const home = dataDir(io);
  const socket = opts.socket || weldPaths(home).socket;
  if (process.platform === 'win32' || existsSync(socket)) {
    const session = await viaSocket(socket).catch(() => undefined);
    if (session) return session;
    if (opts.socket) throw new CliError(`cannot connect to Weld at ${socket}: is it running?`);
  }
  const weld = await createWeld({ home, env: io.env, logger: createLogger({ write: io.stderr, level: 'warn' }) });
  return {
    via: 'in-process (no running Weld found)',
    list: async () =>
      weld.tools
        .list()
        .map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema as Tool['inputSchema'] })),
    call: async (name, args) => {
      try {
        return await weld.dispatcher.call({ tool: name, args, client: 'weld-cli' });
      } catch (err) {
        if (err instanceof CallError) throw new CliError(err.message);
        throw err;
      }
    },
    close: () => weld.stop(),
  };
}

async function viaSocket(path: string): Promise<ToolSession> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const socket = createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const client = new Client({ name: 'weld-cli', version: '1' });
  await client.connect(new NdjsonTransport(socket));
  return {
    via: `running Weld (${path})`,
    list: async () => (await client.listTools()).tools,
    call: async (name, args) => {
      try {
        return (await client.callTool({ name, arguments: args }, undefined, { timeout: 24 * 3600_000 })) as ToolResult;
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message.replace(/^MCP error -?\d+: /, '') : String(err));
      }
    },
    close: () => client.close(),
  };
}
