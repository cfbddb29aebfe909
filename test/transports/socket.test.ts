import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startEndpoints } from '../../src-main/engine/mcp/transports/endpoints.js';
import { EndpointInUseError } from '../../src-main/engine/mcp/transports/socket-listener.js';
import { socketClient, startTestWeld, type TestWeld, until } from './engine.js';

let t: TestWeld | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** A raw socket client that sends bytes as given and collects the reply lines. */
function rawClient(path: string) {
  const socket = createConnection(path);
  const replies: Record<string, unknown>[] = [];
  let buf = '';
  socket.on('data', (d) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      replies.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => {});
  return { socket, replies, closed };
}

const init = (id: number | string = 0) =>
  `${JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
  })}\n`;

describe('Unix socket endpoint', () => {
  it('serves tools/list and tools/call to the SDK client and records who called', async () => {
    t = await startTestWeld();
    const client = await socketClient(t.endpoints.socketPath!, 'claude-ish', '9.9');
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name)).toEqual(expect.arrayContaining(['list-components', 'add']));
    const res = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    expect(res.structuredContent).toEqual({ value: 42 });
    await client.close();
    t.weld.store.recorder.flush();
    expect(t.weld.store.calls.list()).toEqual([expect.objectContaining({ tool: 'add', status: 'ok', client: 'claude-ish/9.9' })]);
  });

  it('creates the socket file readable and writable by its owner only', async () => {
    t = await startTestWeld();
    const st = lstatSync(t.endpoints.socketPath!);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('replaces a stale socket file left by a crashed Weld', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weld-stale-'));
    const path = join(dir, 'weld.sock');
    // A process that dies by SIGKILL cannot remove its socket file.
    try {
      execFileSync(process.execPath, [
        '-e',
        `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
      ]);
    } catch {}
    expect(lstatSync(path).isSocket()).toBe(true);
    t = await startTestWeld({ socket: path });
    const client = await socketClient(path);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
    await t.stop();
    t = undefined;
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
    rmSync(dir, { recursive: true });
  });

  it('refuses to start when another Weld answers on the socket, and leaves it serving', async () => {
    t = await startTestWeld();
    const path = t.endpoints.socketPath!;
    await expect(startEndpoints(t.weld, { socket: path })).rejects.toThrow(EndpointInUseError);
    await expect(startEndpoints(t.weld, { socket: path })).rejects.toThrow(/another Weld is already serving/);
    const client = await socketClient(path);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });

  it('refuses to replace a path that is not a socket and leaves the file intact', async () => {
    t = await startTestWeld({});
    const path = join(t.home, 'precious.txt');
    writeFileSync(path, 'keep me');
    await expect(startEndpoints(t.weld, { socket: path })).rejects.toThrow(/is not a socket; refusing to replace it/);
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    expect(statSync(path).isFile()).toBe(true);
  });

  it('runs calls from different clients at the same time', async () => {
    t = await startTestWeld();
    const a = await socketClient(t.endpoints.socketPath!, 'a');
    const b = await socketClient(t.endpoints.socketPath!, 'b');
    const slow = a.callTool({ name: 'wait', arguments: { ms: 1500 } });
    await until(() => t!.probe.running === 1);
    const started = Date.now();
    for (let i = 0; i < 20; i++) await b.callTool({ name: 'add', arguments: { a: i, b: 1 } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(t.probe.running).toBe(1);
    expect((await slow).content).toEqual([{ type: 'text', text: 'waited' }]);
    await Promise.all([a.close(), b.close()]);
  });

  it("cancels a client's running call when it disconnects mid-call, and nobody else's", async () => {
    t = await startTestWeld();
    const leaving = await socketClient(t.endpoints.socketPath!, 'leaving');
    const staying = await socketClient(t.endpoints.socketPath!, 'staying');
    leaving.callTool({ name: 'wait', arguments: { ms: 20_000 } }).catch(() => {});
    const other = staying.callTool({ name: 'wait', arguments: { ms: 300 } });
    await until(() => t!.probe.running === 2);
    await leaving.close();
    await until(() => t!.probe.aborted.length === 1);
    expect((await other).content).toEqual([{ type: 'text', text: 'waited' }]);
    expect(t.probe.aborted).toHaveLength(1);
    t.weld.store.recorder.flush();
    const rows = t.weld.store.calls.list();
    expect(rows.find((r) => r.client === 'leaving/1.0.0')).toMatchObject({ status: 'cancelled' });
    expect(rows.find((r) => r.client === 'staying/1.0.0')).toMatchObject({ status: 'ok' });
    await staying.close();
  });

  it('honours notifications/cancelled and sends progress notifications', async () => {
    t = await startTestWeld();
    const client = await socketClient(t.endpoints.socketPath!);
    const progress: number[] = [];
    const done = await client.callTool({ name: 'wait', arguments: { ms: 10 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(done.isError).toBeFalsy();
    expect(progress).toEqual([0, 1]);

    const abort = new AbortController();
    const cancelled = client.callTool({ name: 'wait', arguments: { ms: 20_000 } }, undefined, { signal: abort.signal });
    await until(() => t!.probe.running === 1);
    abort.abort('user pressed stop');
    await expect(cancelled).rejects.toThrow();
    await until(() => t!.probe.aborted.length === 1);
    // The connection is still good after a cancellation.
    expect((await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).structuredContent).toEqual({ value: 2 });
    await client.close();
  });

  it('tells connected clients when the tool list changes', async () => {
    t = await startTestWeld();
    const client = await socketClient(t.endpoints.socketPath!);
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed += 1;
    });
    t.weld.tools.add([{ ...t.weld.tools.get('add')!, name: 'add2' }]);
    await until(() => changed === 1);
    expect((await client.listTools()).tools.map((x) => x.name)).toContain('add2');
    await client.close();
  });

  it('answers malformed JSON, non-JSON-RPC frames and unknown methods with JSON-RPC errors and keeps the connection', async () => {
    t = await startTestWeld();
    const c = rawClient(t.endpoints.socketPath!);
    c.socket.write(init(1));
    c.socket.write('{"jsonrpc":"2.0","id":2,"method":\n');
    c.socket.write('[1,2,3]\n');
    c.socket.write('{"jsonrpc":"1.0","id":"x","method":"tools/list"}\n');
    c.socket.write('{"jsonrpc":"2.0","id":5,"method":"no/such/method"}\n');
    c.socket.write('{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}\n');
    await until(() => c.replies.length === 6);
    const byId = (id: unknown) => c.replies.find((r) => r.id === id);
    expect(c.replies.filter((r) => r.id === null).map((r) => (r.error as { code: number }).code)).toEqual([-32700, -32600]);
    expect(byId('x')).toMatchObject({ error: { code: -32600 } });
    expect(byId(5)).toMatchObject({ error: { code: -32601 } });
    expect(byId(6)).toMatchObject({ result: { structuredContent: { value: 3 } } });
    c.socket.destroy();
  });

  it('sends no reply to a cancelled call, records it as cancelled, and keeps serving the connection', async () => {
    t = await startTestWeld();
    const c = rawClient(t.endpoints.socketPath!);
    c.socket.write(init(1));
    const call = (id: number, name: string, args: unknown) =>
      `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } })}\n`;
    c.socket.write(call(2, 'wait', { ms: 20_000 }));
    await until(() => t!.probe.running === 1);
    c.socket.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } })}\n`);
    await until(() => t!.probe.aborted.length === 1);
    c.socket.write(call(3, 'add', { a: 1, b: 1 }));
    await until(() => c.replies.some((r) => r.id === 3));
    // The cancelled call would have answered by now (its tool returned when aborted): nothing came.
    await new Promise((r) => setTimeout(r, 50));
    expect(c.replies.map((r) => r.id)).toEqual([1, 3]);
    t.weld.store.recorder.flush();
    expect(t.weld.store.calls.list().find((r) => r.tool === 'wait')).toMatchObject({ status: 'cancelled' });
    c.socket.destroy();
  });

  it('answers tools/call requests with bad params, arguments or tool names with -32602 and a plain message', async () => {
    t = await startTestWeld();
    const c = rawClient(t.endpoints.socketPath!);
    c.socket.write(init(1));
    const call = (id: number, params: unknown) => `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params })}\n`;
    c.socket.write(call(2, { arguments: { a: 1, b: 2 } }));
    c.socket.write(call(3, { name: 'add', arguments: [1, 2] }));
    c.socket.write(call(4, { name: 'add', arguments: { a: 'x', b: 2 } }));
    c.socket.write(call(5, { name: 'nope', arguments: {} }));
    c.socket.write(call(6, { name: 'add', arguments: { a: 1, b: 2 }, _meta: { progressToken: 'p' } }));
    await until(() => c.replies.length === 6);
    const byId = (id: number) => c.replies.find((r) => r.id === id) as { error?: { code: number; message: string } };
    expect(byId(2).error).toMatchObject({ code: -32602, message: expect.stringMatching(/Invalid tools\/call request/) });
    expect(byId(3).error).toMatchObject({ code: -32602, message: expect.stringMatching(/Invalid tools\/call request/) });
    // The message a person reads starts with what is wrong, not with the SDK's "MCP error -32602:".
    expect(byId(4).error).toEqual({ code: -32602, message: 'Invalid arguments for tool "add": field "a" must be integer' });
    expect(byId(5).error?.message).toMatch(/^Unknown tool "nope"/);
    expect(byId(6)).toMatchObject({ result: { structuredContent: { value: 3 } } });
    c.socket.destroy();
  });

  it('discards a line over 4 MiB with a clear error and serves the next request on the same connection', async () => {
    t = await startTestWeld();
    const c = rawClient(t.endpoints.socketPath!);
    c.socket.write(init(1));
    const huge = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"pad":"${'A'.repeat(5 * 1024 * 1024)}"}}}\n`;
    c.socket.write(huge);
    c.socket.write('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":20,"b":22}}}\n');
    await until(() => c.replies.length === 3, 10_000);
    expect(c.replies[1]).toMatchObject({ id: null, error: { code: -32600, message: expect.stringMatching(/too large.*4 MiB/) } });
    expect(c.replies[2]).toMatchObject({ id: 3, result: { structuredContent: { value: 42 } } });
    c.socket.destroy();
  });

  it('runs at most 64 calls at once per connection, however many one client sends', async () => {
    t = await startTestWeld();
    const flood = createConnection(t.endpoints.socketPath!);
    flood.on('error', () => {});
    flood.write(init(0));
    for (let i = 1; i <= 200; i++) {
      flood.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'wait', arguments: { ms: 200 } } })}\n`,
      );
    }
    await until(() => t!.probe.running === 64);
    const other = await socketClient(t.endpoints.socketPath!);
    expect((await other.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).structuredContent).toEqual({ value: 3 });
    await until(() => {
      t!.weld.store.recorder.flush();
      return t!.weld.store.calls.list({ tool: 'wait', limit: 1000 }).length === 200;
    });
    expect(t.probe.maxRunning).toBe(64);
    flood.destroy();
    await other.close();
  });

  it('stops taking requests from a client that does not read its replies, and still serves others', async () => {
    t = await startTestWeld();
    const greedy: Socket = createConnection(t.endpoints.socketPath!);
    greedy.on('error', () => {});
    greedy.pause(); // never reads
    greedy.write(init(0));
    const call = (id: number) =>
      `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'big', arguments: { kb: 256 } } })}\n`;
    for (let i = 1; i <= 400; i++) greedy.write(call(i));
    const other = await socketClient(t.endpoints.socketPath!);
    await new Promise((r) => setTimeout(r, 500));
    expect((await other.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).structuredContent).toEqual({ value: 3 });
    // 400 replies of 256 KiB would be 100 MiB. The server stops reading once 1 MiB is unsent; calls
    // already admitted (at most 64) still answer, so about one window of 64 replies gets through.
    t.weld.store.recorder.flush();
    expect(t.weld.store.calls.list({ tool: 'big', limit: 1000 }).length).toBeLessThan(100);
    greedy.destroy();
    await other.close();
  });

  it('lets running calls finish when closing, then closes every connection', async () => {
    t = await startTestWeld();
    const client = await socketClient(t.endpoints.socketPath!);
    const running = client.callTool({ name: 'wait', arguments: { ms: 300 } });
    await until(() => t!.probe.running === 1);
    const closing = t.endpoints.close();
    expect((await running).content).toEqual([{ type: 'text', text: 'waited' }]);
    await closing;
    expect(t.probe.aborted).toHaveLength(0);
    expect(() => lstatSync(t!.endpoints.socketPath!)).toThrow(/ENOENT/);
    await expect(socketClient(t.endpoints.socketPath!)).rejects.toThrow();
  });
});
