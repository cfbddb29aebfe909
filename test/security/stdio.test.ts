import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultText, runWeld, serveStdio, tempHome } from '../helpers.js';
import { installHostileWithCli } from './hostile-engine.js';

// 10 s, not less: the call after a trap starts a fresh worker, which a loaded 2-core CI machine can take seconds to boot.
const POLICY = `version: "1.0"
permissions:
  resources:
    limits:
      memory: 64Mi
      timeout: 10s
`;

/**
 * The real `weld serve --stdio`, where stdout IS the MCP stream: whatever a guest writes to its
 * stdout must never reach the client, and a guest that exits must not end the server.
 */
describe('hostile guest behind weld serve --stdio', { timeout: 120_000 }, () => {
  let home: ReturnType<typeof tempHome>;
  let client: Client;
  let transport: StdioClientTransport;
  let stderr = '';
  const received: JSONRPCMessage[] = [];

  beforeAll(async () => {
    home = tempHome();
    await installHostileWithCli(home.home, POLICY);
    transport = serveStdio(home.home);
    transport.stderr?.on('data', (d) => {
      stderr += d;
    });
    client = new Client({ name: 'security-test', version: '1.0.0' });
    await client.connect(transport);
    // Every message the client's transport delivers, seen before the SDK matches it to a request.
    const deliver = transport.onmessage;
    transport.onmessage = (message: JSONRPCMessage) => {
      received.push(message);
      deliver?.(message);
    };
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    home?.cleanup();
  });

  const call = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args });

  it('a forged JSON-RPC line written to guest stdout never reaches the client; the client keeps working', async () => {
    const r = await call('print-jsonrpc');
    expect(r.isError).toBeFalsy();
    expect(JSON.stringify(received)).not.toContain('forged by hostile');
    expect(resultText(await call('ok'))).toBe('ok');
    // The interception sees the stream: both results arrived through it.
    expect(received.filter((m) => 'result' in m)).toHaveLength(2);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('print-jsonrpc');
    expect(JSON.stringify(received)).not.toContain('forged by hostile');
    // Kept where a person can read it: the call log.
    const logs = await runWeld(['logs', '--json'], home.home);
    expect(logs.stdout).toContain('forged by hostile');
  });

  it('a stdout flood never reaches the stream and the server answers next', async () => {
    const r = await call('flood-stdout', { lines: 2000 });
    expect(resultText(r)).toBe('2000');
    expect(JSON.stringify(received)).not.toContain('flood line');
    expect(resultText(await call('ok'))).toBe('ok');
  });

  it('an endless loop is stopped at the policy timeout and the client keeps its session', async () => {
    const r = await call('spin');
    expect(r.isError).toBe(true);
    expect(resultText(r)).toMatch(/^The tool call timed out after 10000 ms and the component was stopped/);
    expect(resultText(await call('ok'))).toBe('ok');
  });

  it('a memory bomb traps at the 64Mi cap and the server lives', async () => {
    const r = await call('alloc-mb', { n: 200 });
    expect(r.isError).toBe(true);
    expect(resultText(r)).toMatch(/of its 64 MiB limit/);
    expect(resultText(await call('ok'))).toBe('ok');
  });

  it('a guest calling exit ends its call, not the server', async () => {
    const r = await call('exit-now', { code: 0 });
    expect(r.isError).toBe(true);
    expect(resultText(r)).toBe('The component exited with code 0 before returning a result.');
    expect(resultText(await call('ok'))).toBe('ok');
    expect(stderr).not.toMatch(/uncaught|fatal/i);
  });
});
