import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, ListToolsRequestSchema, SetLevelRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from './caller-prompts.js';
import { CallError, type Dispatcher } from './dispatch.js';
import { type RoutedCall, type RoutedCallHandler, ToolCallRoute } from './tool-call-route.js';
import { type CallLog, LOG_LEVELS, type LogLevel, type ToolTable } from './tool-table.js';

export interface McpServerDeps {
  tools: ToolTable;
  dispatcher: Dispatcher;
  version: string;
}

/** A client connection's server: the SDK's for the session, with tools/call answered by ToolCallRoute. */
export interface McpServer {
  connect(transport: Transport): Promise<void>;
}

/**
 * One MCP server per client connection: the SDK binds a Server to one transport, and a per-connection
 * server is what keeps one client's session, cancellations and disconnects away from the others.
 */
export function createMcpServer(deps: McpServerDeps): McpServer {
  const server = new Server(
    { name: 'weld', version: deps.version },
    {
      capabilities: { tools: { listChanged: true }, logging: {} },
      instructions:
        'Weld runs WebAssembly tools in a sandbox. Each tool can only use the files, hosts and environment variables a person granted it.',
    },
  );

  // One server per connection, so one level: what this client asked for with logging/setLevel.
  // Until it asks, it gets info and above (guest stderr, Weld's denials); debug is opt-in.
  let minLevel: LogLevel = 'info';
  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    minLevel = request.params.level;
    return {};
  });
  const severity = (level: LogLevel) => LOG_LEVELS.indexOf(level);

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
      ...(t.annotations ? { annotations: t.annotations() } : {}),
    }));
    return { tools: cachedList };
  });

  /** Only a client that declared form elicitation can be asked; whether it may be is the policy's call. */
  const callerOf = (call: RoutedCall, name: string): Caller | undefined =>
    server.getClientCapabilities()?.elicitation?.form
      ? {
          name,
          // On the call's own stream (Streamable HTTP sends it with the call's response), ended with the call.
          elicit: (params, timeoutMs) =>
            server.elicitInput(params, { relatedRequestId: call.requestId, signal: call.signal, timeout: timeoutMs }),
        }
      : undefined;

  const callTool: RoutedCallHandler = async (call) => {
    const client = server.getClientVersion();
    const log: CallLog = (level, logger, data) => {
      if (severity(level) >= severity(minLevel)) call.notify('notifications/message', { level, logger, data });
    };
    try {
      return await deps.dispatcher.call({
        tool: call.name,
        args: call.args,
        client: client ? `${client.name}/${client.version}` : null,
        signal: call.signal,
        progress: call.progress,
        caller: client ? callerOf(call, client.name) : undefined,
        log,
      });
    } catch (err) {
      // An unknown tool or bad arguments: the request is at fault, which JSON-RPC calls invalid params.
      if (err instanceof CallError) throw Object.assign(new Error(err.message), { code: ErrorCode.InvalidParams });
      throw err;
    }
  };

  return { connect: (transport) => server.connect(new ToolCallRoute(transport, callTool)) };
}
