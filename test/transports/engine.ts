import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { silentLogger } from '../../src-main/engine/log.js';
import { type ToolCallContext, type ToolDefinition, textResult } from '../../src-main/engine/mcp/tool-table.js';
import { type EndpointOptions, type Endpoints, startEndpoints } from '../../src-main/engine/mcp/transports/endpoints.js';
import { NdjsonTransport } from '../../src-main/engine/mcp/transports/ndjson-transport.js';
import { createWeld, type Weld } from '../../src-main/engine/weld.js';
import { tempHome } from '../helpers.js';

/** What the in-test tools saw, so tests can assert on cancellation and concurrency inside the engine. */
export interface ToolProbe {
  running: number;
  maxRunning: number;
  aborted: string[];
}

/**
 * Tools added in-process to a real engine: `add` answers at once; `wait` runs until `ms` pass or its
 * call is cancelled (and reports progress when asked); `big` returns `kb` KiB of text.
 */
export function testTools(probe: ToolProbe): ToolDefinition[] {
  const track = async <T>(ctx: ToolCallContext, body: () => Promise<T>) => {
    probe.running += 1;
    probe.maxRunning = Math.max(probe.maxRunning, probe.running);
    try {
      return await body();
    } finally {
      probe.running -= 1;
      if (ctx.signal.aborted) probe.aborted.push(ctx.callId);
    }
  };
  return [
    {
      name: 'add',
      description: 'Add two integers',
      inputSchema: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'] },
      componentId: null,
      async invoke(args) {
        const sum = ((args.a as number) + (args.b as number)) | 0;
        return textResult(String(sum), { value: sum });
      },
    },
    {
      name: 'wait',
      description: 'Wait, reporting progress, until done or cancelled',
      inputSchema: { type: 'object', properties: { ms: { type: 'integer', maximum: 30_000 } }, required: ['ms'] },
      componentId: null,
      invoke: (args, ctx) =>
        track(ctx, async () => {
          ctx.progress?.(0, 1, 'started');
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, args.ms as number);
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(new Error('cancelled'));
            });
          });
          ctx.progress?.(1, 1, 'done');
          // The SDK sends a notification a few ticks later than a result: without this pause the result
          // can overtake the last progress notification, and the client then drops it.
          await new Promise((r) => setTimeout(r, 5));
          return textResult('waited');
        }),
    },
    {
      name: 'big',
      description: 'Return kb KiB of text',
      inputSchema: { type: 'object', properties: { kb: { type: 'integer', maximum: 4096 } }, required: ['kb'] },
      componentId: null,
      invoke: (args, ctx) => track(ctx, async () => textResult('x'.repeat((args.kb as number) * 1024))),
    },
  ];
}

export interface TestWeld {
  weld: Weld;
  endpoints: Endpoints;
  probe: ToolProbe;
  home: string;
  stop(): Promise<void>;
}

export async function startTestWeld(opts: EndpointOptions = { socket: true }): Promise<TestWeld> {
  const { home, cleanup } = tempHome('weld-transports-');
  const weld = await createWeld({ home, logger: silentLogger });
  const probe: ToolProbe = { running: 0, maxRunning: 0, aborted: [] };
  weld.tools.add(testTools(probe));
  const endpoints = await startEndpoints(weld, opts);
  return {
    weld,
    endpoints,
    probe,
    home,
    async stop() {
      await endpoints.close();
      await weld.stop();
      cleanup();
    },
  };
}

/** The SDK client over the socket, framed by the same newline-delimited transport the server uses. */
export async function socketClient(path: string, name = 'test-client', version = '1.0.0'): Promise<Client> {
  const client = new Client({ name, version });
  await client.connect(new NdjsonTransport(createConnection(path)));
  return client;
}

export const socketIn = (home: string) => join(home, 'weld.sock');

export async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A small seeded PRNG (mulberry32) so fuzz runs are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
