import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { CallError, type Dispatcher } from './dispatch.js';
import type { ToolTable } from './tool-table.js';

export interface McpServerDeps {
  tools: ToolTable;
  dispatcher: Dispatcher;
  version: string;
}

/**
 * One MCP server per client connection: the SDK binds a Server to one transport, and a per-connection
 * server is what keeps one client's session, cancellations and disconnects away from the others.
 */
export function createMcpServer(deps: McpServerDeps): Server {
  const server = new Server(
    { name: 'weld', version: deps.version },
    {
      capabilities: { tools: { listChanged: true } },
      instructions:
        'Weld runs WebAssembly tools in a sandbox. Each tool can only use the files, hosts and environment variables a person granted it.',
    },
  );

  let cachedList: Tool[] | null = null;
  const unsubscribe = deps.tools.onChange(() => {
    cachedList = null;
    // Before initialize completes the client cannot receive notifications; it will list anyway.
    if (server.getClientCapabilities()) server.sendToolListChanged().catch(() => {});
  });
  server.onclose = () => unsubscribe();

  server.setRequestHandler(ListToolsRequestSchema, () => {
    cachedList ??= deps.tools.list().map((t) => ({
      name: t.name,
      ...(t.title ? { title: t.title } : {}),
      description: t.description,
      inputSchema: t.inputSchema as Tool['inputSchema'],
      ...(t.outputSchema ? { outputSchema: t.outputSchema as Tool['outputSchema'] } : {}),
    }));
    return { tools: cachedList };
  });

  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const client = server.getClientVersion();
    const token = req.params._meta?.progressToken;
    try {
      return await deps.dispatcher.call({
        tool: req.params.name,
        args: req.params.arguments,
        client: client ? `${client.name}/${client.version}` : null,
        signal: extra.signal,
        progress:
          token === undefined
            ? undefined
            : (progress, total, message) => {
                extra
                  .sendNotification({
                    method: 'notifications/progress',
                    params: { progressToken: token, progress, total, message },
                  })
                  .catch(() => {});
              },
      });
    } catch (err) {
      if (err instanceof CallError) throw new McpError(ErrorCode.InvalidParams, err.message);
      throw err;
    }
  });

  return server;
}
