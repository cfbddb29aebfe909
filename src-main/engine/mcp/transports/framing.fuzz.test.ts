import { Duplex } from 'node:stream';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJsonRpcMessage } from './jsonrpc-envelope.js';
import { NdjsonTransport } from './ndjson-transport.js';

// Bounded so `npm test` stays quick; fast-check prints the seed of any failure, which replays it.
const RUNS = { numRuns: 150 };

const id = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.double(), fc.constant(2 ** 60), fc.object());
const member = fc.jsonValue({ maxDepth: 2 });
const meta = fc.record(
  { progressToken: fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.double()), extra: member },
  { requiredKeys: [] },
);
const params = fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), member), fc.record({ _meta: fc.oneof(meta, member) }), member);

/** Objects shaped like JSON-RPC messages with each member present or not, right or wrong. */
const envelope = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('1.0'), member),
    id,
    method: fc.oneof(fc.constantFrom('tools/call', 'tools/list', 'notifications/cancelled'), fc.string(), fc.integer()),
    params,
    result: fc.oneof(fc.record({ _meta: fc.oneof(meta, member) }, { requiredKeys: [] }), member),
    error: fc.oneof(
      fc.record({ code: fc.oneof(fc.integer(), fc.double()), message: member, data: member }, { requiredKeys: [] }),
      member,
    ),
    extra: member,
  },
  { requiredKeys: [] },
);

describe('JSON-RPC envelope check under random frames', { timeout: 120_000 }, () => {
  it('never throws and decides exactly as the SDK schema does', () => {
    fc.assert(
      fc.property(fc.oneof(envelope, fc.jsonValue({ maxDepth: 3 })), (v) => {
        expect(isJsonRpcMessage(v)).toBe(JSONRPCMessageSchema.safeParse(v).success);
      }),
      { numRuns: 500 },
    );
  });
});

/** A transport over an in-memory stream: what the client writes goes in, replies are collected. */
function connection(maxFrameBytes: number) {
  const written: string[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk, _enc, done) {
      written.push(String(chunk));
      done();
    },
  });
  const transport = new NdjsonTransport(stream, { maxFrameBytes, maxInFlight: 4 });
  const delivered: unknown[] = [];
  transport.onmessage = (m) => {
    delivered.push(m);
    // Answer at once, as the server does, so requests never pile up against maxInFlight.
    if ('method' in m && 'id' in m) void transport.send({ jsonrpc: '2.0', id: m.id, result: {} });
  };
  return { stream, transport, written, delivered };
}

const settle = () => new Promise((r) => setImmediate(r));

/** Pieces of a byte stream: good lines, broken JSON, bad envelopes, raw bytes, oversized lines. */
const piece = fc.oneof(
  envelope.map((m) => `${JSON.stringify(m)}\n`),
  fc.jsonValue({ maxDepth: 2 }).map((v) => `${JSON.stringify(v)}\n`),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.constantFrom('{', '}\n', '\n', '\r\n', '[1,2,\n', '{"jsonrpc":"2.0","id":1,"method":"x"', 'null\n', '"\\ud800"\n'),
  fc.nat({ max: 600 }).map((n) => `"${'x'.repeat(n)}"\n`),
);

describe('newline-delimited JSON-RPC framing under random byte streams', { timeout: 120_000 }, () => {
  it('survives any stream split anywhere: every reply is a JSON-RPC message without a stack trace, and the connection still serves', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 25 }),
        fc.array(fc.nat({ max: 64 }), { maxLength: 20 }),
        async (pieces, cuts) => {
          const c = connection(256);
          await c.transport.start();
          const bytes = Buffer.from(pieces.join(''), 'latin1');
          // Deliver in chunks cut at random places, mid-line and mid-character included.
          let at = 0;
          for (const cut of cuts) {
            if (at >= bytes.length) break;
            c.stream.push(bytes.subarray(at, at + cut + 1));
            at += cut + 1;
          }
          if (at < bytes.length) c.stream.push(bytes.subarray(at));
          // Whatever came before, a fresh line with a good request is served.
          c.stream.push('\n{"jsonrpc":"2.0","id":"probe","method":"tools/list"}\n');
          await settle();
          await settle();
          expect(c.delivered.at(-1)).toEqual({ jsonrpc: '2.0', id: 'probe', method: 'tools/list' });
          for (const m of c.delivered) expect(isJsonRpcMessage(m)).toBe(true);
          const replies = c.written
            .join('')
            .split('\n')
            .filter((l) => l !== '');
          for (const line of replies) {
            const reply = JSON.parse(line);
            // A frame whose id could not be read is answered with id null, as JSON-RPC 2.0 prescribes.
            expect(isJsonRpcMessage(reply.id === null ? { ...reply, id: 0 } : reply)).toBe(true);
            expect(line).not.toMatch(/\\n\s+at |\.[jt]s:\d+/);
          }
          expect(replies.map((l) => JSON.parse(l).id)).toContain('probe');
          c.stream.destroy();
        },
      ),
      RUNS,
    );
  });
});
