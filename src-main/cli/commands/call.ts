import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolResult } from '../../engine/mcp/tool-table.js';
import { type CliIo, type Command, UsageError } from '../command.js';
import { withStore } from '../engine.js';
import { parseToolArgs } from '../tool-args.js';
import { openToolSession, type ToolSession } from '../tool-session.js';

function printResult(result: ToolResult, out: (s: string) => void): void {
  for (const c of result.content) if (c.type === 'text') out(`${c.text}\n`);
}

/**
 * A tool installed a moment ago by another command reaches the running Weld within about a second
 * (it polls the store): wait that long for a tool the store already lists instead of failing.
 */
async function findTool(session: ToolSession, name: string, io: CliIo): Promise<Tool | undefined> {
  let tool = (await session.list()).find((t) => t.name === name);
  if (tool || !session.via.startsWith('running')) return tool;
  const known = await withStore(io, (s) => s.components.list().some((c) => c.enabled && c.tools.some((t) => t.name === name)));
  for (const end = Date.now() + 3000; known && !tool && Date.now() < end; ) {
    await new Promise((r) => setTimeout(r, 100));
    tool = (await session.list()).find((t) => t.name === name);
  }
  return tool;
}

export const call: Command = {
  name: 'call',
  summary: 'Call a tool from the terminal',
  usage: `Usage: weld call <tool> [--arg key=value ...] [--json '{"key": ...}'] [--raw]

  --arg key=value   one argument, typed by the tool's input schema (repeatable)
  --json <object>   all arguments as one JSON object (--arg values override its keys)
  --raw             print the whole MCP result as JSON

Goes through the running Weld when there is one, else runs the tool in this process. A tool error or a
denied capability prints its message on stderr and exits with status 1.`,
  options: {
    arg: { type: 'string', multiple: true },
    json: { type: 'string' },
    raw: { type: 'boolean' },
    socket: { type: 'string' },
  },
  async run({ io, values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('expected one tool name (see weld tools)');
    const session = await openToolSession(io, { socket: values.socket as string | undefined });
    try {
      const tool = await findTool(session, positionals[0], io);
      const args = parseToolArgs(
        (values.arg as string[] | undefined) ?? [],
        values.json as string | undefined,
        (tool?.inputSchema ?? {}) as object,
      );
      const result = await session.call(positionals[0], args);
      if (values.raw) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else printResult(result, result.isError ? io.stderr : io.stdout);
      return result.isError ? 1 : 0;
    } finally {
      await session.close();
    }
  },
};

export const tools: Command = {
  name: 'tools',
  summary: 'List the tools Weld serves, with their arguments',
  usage: 'Usage: weld tools [--json]',
  options: { json: { type: 'boolean' }, socket: { type: 'string' } },
  async run({ io, values }) {
    const session = await openToolSession(io, { socket: values.socket as string | undefined });
    try {
      const list = await session.list();
      if (values.json) {
        io.stdout(`${JSON.stringify(list, null, 2)}\n`);
        return 0;
      }
      const { formatTools } = await import('../component-report.js');
      io.stdout(
        `${formatTools(list.map((t) => ({ name: t.name, export: t.name, description: t.description ?? '', inputSchema: t.inputSchema }))).join('\n')}\n`,
      );
      return 0;
    } finally {
      await session.close();
    }
  },
};
