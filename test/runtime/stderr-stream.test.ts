import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { type LoggingMessageNotification, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/engine/log.js';
import { resolveSource } from '../../src-main/engine/runtime/sources.js';
import { MAX_LINE_CHARS, MAX_STREAMED_LINES } from '../../src-main/engine/runtime/wasi/stderr-lines.js';
import { createWeld, type Weld } from '../../src-main/engine/weld.js';
import { buildComponent, fixtureDir } from '../fixtures/build.js';
import { resultText } from '../helpers.js';

/**
 * A guest's stderr, and what Weld refuses it, reach the client that made the call while the call runs:
 * the guest writes its lines, is refused an ungranted host, then waits for an HTTP response that this
 * test sends only once the client has seen all of it.
 */
describe('guest stderr streamed to the calling client', { timeout: 240_000 }, () => {
  let base: string;
  let weld: Weld;
  let client: Client;
  let site: http.Server;
  let url: string;
  const logged: LoggingMessageNotification['params'][] = [];
  /** Called whenever a log message arrives. */
  let onLog = () => {};
  /** Held responses: the test answers them. */
  const held: http.ServerResponse[] = [];
  let onRequest = () => {};

  beforeAll(async () => {
    const wasm = await buildComponent(fixtureDir('stderr-guest'));
    site = http.createServer((_req, res) => {
      held.push(res);
      onRequest();
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/answer`;
    base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-stderr-')));
    mkdirSync(join(base, 'home'));
    weld = await createWeld({ home: join(base, 'home'), logger: silentLogger, env: { HOME: join(base, 'user') } });
    const src = await resolveSource(wasm, { registry: weld.registry });
    const { record } = await weld.install({ ...src, name: 'stderr-guest.wasm' }, { actor: 'test' });
    weld.policy.grant({ componentId: record.id, kind: 'network', target: new URL(url).origin, by: 'test' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await weld.createMcpServer().connect(serverSide);
    client = new Client({ name: 'stderr-test', version: '1.0.0' });
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logged.push(n.params);
      onLog();
    });
    await client.connect(clientSide);
  }, 240_000);
  afterAll(async () => {
    for (const res of held) res.destroy();
    site?.close();
    await client?.close();
    await weld?.stop();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  const until = (check: () => boolean, set: (f: () => void) => void) =>
    new Promise<void>((resolve) => {
      const test = () => {
        if (check()) resolve();
      };
      set(test);
      test();
    });

  it('sends each line and each refusal as notifications/message before the call has its result', async () => {
    logged.length = 0;
    let answered = false;
    const ungranted = 'http://ungranted.invalid/';
    const call = client
      .callTool({
        name: 'say-then-fetch',
        arguments: { lines: ['connecting to the service', 'waiting for it'], urls: [ungranted, url] },
      })
      .finally(() => {
        answered = true;
      });
    // The guest now waits on our server, which has not answered: the lines must be here already.
    await until(
      () => logged.length >= 3,
      (f) => {
        onLog = f;
      },
    );
    await until(
      () => held.length >= 1,
      (f) => {
        onRequest = f;
      },
    );
    expect(answered).toBe(false);
    expect(logged).toEqual([
      { level: 'info', logger: 'stderr-guest', data: 'connecting to the service' },
      { level: 'info', logger: 'stderr-guest', data: 'waiting for it' },
      {
        level: 'warning',
        logger: 'weld',
        data: expect.stringMatching(
          /^denied: network ungranted\.invalid is not granted.*weld grant stderr-guest network ungranted\.invalid/,
        ),
      },
    ]);
    held.shift()!.end('the answer');
    const r = await call;
    expect(r.isError, resultText(r)).toBeFalsy();
    expect(resultText(r)).toMatch(/^fetch failed: .*\nthe answer\nWeld denied this tool:\n- network ungranted\.invalid/);
    // Nothing is sent a second time when the call ends.
    expect(logged).toHaveLength(3);
  });

  it('bounds the stream per call: long lines are cut, lines past the limit are dropped with one notice', async () => {
    logged.length = 0;
    const lines = Array.from({ length: MAX_STREAMED_LINES + 20 }, (_, i) => `line ${i}`);
    lines[0] = 'x'.repeat(MAX_LINE_CHARS * 5);
    const r = await client.callTool({ name: 'say-then-fetch', arguments: { lines, urls: [] } });
    expect(resultText(r)).toBe('done');
    expect(logged).toHaveLength(MAX_STREAMED_LINES + 1);
    expect(logged[0]!.data).toBe(`${'x'.repeat(MAX_LINE_CHARS)}… (line cut at ${MAX_LINE_CHARS} characters)`);
    expect(logged[1]!.data).toBe('line 1');
    expect(logged.at(-1)!.data).toMatch(/^\(more stderr of this call is not sent/);
    // The next call has its own count.
    logged.length = 0;
    await client.callTool({ name: 'say-then-fetch', arguments: { lines: ['again'], urls: [] } });
    expect(logged.map((l) => l.data)).toEqual(['again']);
  });
});
