import { homedir } from 'node:os';
import { resolveDataDir, weldPaths } from '../../engine/config.js';
import { bridgeStdio } from '../../engine/mcp/transports/stdio-bridge.js';
import type { Command } from '../command.js';

/**
 * When Weld is not running, connect fails with a clear message instead of starting a server itself:
 * a background Weld started by a client would run without the tray, so nobody could answer its
 * permission prompts, and it would outlive the client that spawned it.
 */
export const connect: Command = {
  name: 'connect',
  summary: 'Bridge stdio to the running Weld (for clients that only spawn stdio servers)',
  usage: `Usage: weld connect [--socket PATH]

  --socket PATH   the socket of the running Weld (default: weld.sock in the data dir)

Use this as the command of a stdio MCP server entry (Claude Desktop and others). It needs Weld running
(the tray app, or \`weld serve --socket\`); otherwise it prints why on stderr and exits with status 1.`,
  options: { socket: { type: 'string' } },
  async run({ io, values }) {
    const path =
      (values.socket as string | undefined) ||
      weldPaths(resolveDataDir({ env: io.env, platform: process.platform, home: io.env.HOME ?? homedir() })).socket;
    const outcome = await bridgeStdio(path, process.stdin, process.stdout);
    if (outcome.ok) return 0;
    io.stderr(`weld connect: ${outcome.message}\n`);
    // stdin may still be open (Weld went away first); nothing more will be read from it.
    process.stdin.destroy();
    return 1;
  },
};
