#!/usr/bin/env node
// The baseline every Weld figure is compared against: a plain MCP server built on the official SDK,
// serving the same `add` tool in plain JS. Usage: baseline-server.mjs stdio | socket PATH | http PORT
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

function mcpServer() {
  const server = new Server({ name: 'baseline', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      {
        name: 'add',
        description: 'Add two integers',
        inputSchema: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'] },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, (req) => {
    const { a, b } = req.params.arguments;
    const sum = (a + b) | 0;
    return { content: [{ type: 'text', text: String(sum) }], structuredContent: { value: sum } };
  });
  return server;
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'stdio') {
  await mcpServer().connect(new StdioServerTransport());
} else if (mode === 'socket') {
  // Newline-delimited JSON-RPC per connection, the same framing as stdio.
  createNetServer((sock) => mcpServer().connect(new StdioServerTransport(sock, sock))).listen(arg, () =>
    process.stderr.write(`listening ${arg}\n`),
  );
} else if (mode === 'http') {
  const sessions = new Map();
  createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    let transport = sessions.get(req.headers['mcp-session-id']);
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      await mcpServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  }).listen(Number(arg), '127.0.0.1', function () {
    process.stderr.write(`listening ${this.address().port}\n`);
  });
} else {
  process.stderr.write('usage: baseline-server.mjs stdio | socket PATH | http PORT\n');
  process.exit(2);
}
