import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { prng, socketClient, startTestWeld, type TestWeld, until } from './engine.js';

let t: TestWeld | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('socket endpoint under load and attack', () => {
  it('answers 50 concurrent clients x 200 calls with no errors, each result its own', async () => {
    t = await startTestWeld();
    const path = t.endpoints.socketPath!;
    const clients = await Promise.all(Array.from({ length: 50 }, (_, i) => socketClient(path, `client-${i}`)));
    let errors = 0;
    let wrong = 0;
    await Promise.all(
      clients.map(async (client, i) => {
        for (let n = 0; n < 200; n++) {
          try {
            const res = await client.callTool({ name: 'add', arguments: { a: i, b: n } });
            if ((res.structuredContent as { value: number }).value !== i + n) wrong += 1;
          } catch {
            errors += 1;
          }
        }
      }),
    );
    expect({ errors, wrong }).toEqual({ errors: 0, wrong: 0 });
    await Promise.all(clients.map((c) => c.close()));
    t.weld.store.recorder.flush();
    const rows = t.weld.store.calls.list({ tool: 'add', limit: 20_000 });
    expect(rows).toHaveLength(10_000);
    expect(new Set(rows.map((r) => r.client)).size).toBe(50);
  }, 60_000);

  it('survives seeded fuzzed frames (random bytes, truncated JSON, huge lines, abrupt disconnects)', async () => {
    t = await startTestWeld();
    const path = t.endpoints.socketPath!;
    const rand = prng(0x5eed);
    const int = (n: number) => Math.floor(rand() * n);
    const valid = JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'add', arguments: { a: 1, b: 2 } },
    });
    const frame = (): Buffer => {
      switch (int(6)) {
        case 0:
          return Buffer.from(Array.from({ length: 1 + int(2000) }, () => int(256)));
        case 1:
          return Buffer.from(`${valid.slice(0, int(valid.length))}\n`);
        case 2: {
          const bytes = Buffer.from(valid);
          for (let k = 0; k < 1 + int(5); k++) bytes[int(bytes.length)] = int(256);
          return Buffer.concat([bytes, Buffer.from('\n')]);
        }
        case 3:
          return Buffer.from(`${JSON.stringify([null, 1, 'x', { id: {} }, { jsonrpc: '2.0', id: [], method: 5 }][int(5)])}\n`);
        case 4:
          return int(10) === 0 ? Buffer.from(`"${'z'.repeat(4 * 1024 * 1024 + int(1000))}"\n`) : Buffer.from('\n\r\n');
        default:
          return Buffer.from(`${valid}\n`);
      }
    };
    const replies: string[] = [];
    for (let conn = 0; conn < 20; conn++) {
      const socket = createConnection(path);
      socket.on('error', () => {});
      let buf = '';
      socket.on('data', (d) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        replies.push(...lines);
      });
      await new Promise<void>((r) => socket.once('connect', () => r()));
      for (let f = 0; f < 40; f++) socket.write(frame());
      // Half the connections leave abruptly in the middle of a frame.
      if (conn % 2) {
        socket.write('{"jsonrpc":"2.0","id":1,"meth');
        socket.destroy();
      } else {
        await new Promise((r) => setTimeout(r, 50));
        socket.end();
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    // Every reply is a JSON-RPC message; nothing else ever came back.
    for (const line of replies) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(replies.length).toBeGreaterThan(100);
    const client = await socketClient(path);
    expect((await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })).structuredContent).toEqual({ value: 42 });
    await client.close();
    await until(() => t!.probe.running === 0);
  }, 60_000);

  it('forgets clients that vanish mid-call: their calls are cancelled and nothing is left behind', async () => {
    t = await startTestWeld();
    const path = t.endpoints.socketPath!;
    for (let round = 0; round < 10; round++) {
      const clients = await Promise.all(Array.from({ length: 30 }, () => socketClient(path)));
      for (const c of clients) c.callTool({ name: 'wait', arguments: { ms: 20_000 } }).catch(() => {});
      await until(() => t!.probe.running === 30);
      expect(t.endpoints.connections()).toBe(30);
      await Promise.all(clients.map((c) => c.close()));
      await until(() => t!.probe.running === 0 && t!.endpoints.connections() === 0);
    }
    expect(t.probe.aborted).toHaveLength(300);
  }, 60_000);
});
