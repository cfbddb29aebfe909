import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { HostBridge } from '../host-bridge.js';
import { RUNTIME_WORKER_LIMITS } from '../worker-pool.js';
import { HeldBudgetError } from './held-budget.js';
import { createHttp } from './http.js';

const bridge: HostBridge = { call: () => ({ status: 200, headers: [], body: new Uint8Array() }), notify: () => {} };
const KiB = new Uint8Array(1024).fill(0x61);

/** Attack: a guest makes the host keep data for it in a loop, outside its capped linear memory. */
describe('what a guest makes the host hold is bounded per instance', () => {
  it('fails a guest that keeps creating header sets once it holds its budget, and frees what it drops', () => {
    const { types } = createHttp({ bridge, limits: { heldBytes: 1024 * 1024 } });
    const kept = [];
    let refused: unknown;
    try {
      for (let i = 0; i < 100_000; i++) {
        const f = new types.Fields();
        f.append('x-pad', KiB);
        kept.push(f);
      }
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(HeldBudgetError);
    expect((refused as Error).message).toMatch(/^the component made Weld hold more than 1 MiB of HTTP headers for it/);
    expect(kept.length).toBeGreaterThan(500);
    expect(kept.length).toBeLessThan(1024);
    // Copies handed out by headers() are charged too, and dropping gives the room back.
    for (const f of kept.splice(0, 100)) f[Symbol.dispose]();
    const again = new types.Fields();
    again.append('x-pad', KiB);
    expect(again.get('x-pad')).toHaveLength(1);
  });

  it('counts unfinished request bodies of all requests together', () => {
    const { types } = createHttp({ bridge, limits: { heldBytes: 1024 * 1024, requestBodyBytes: 768 * 1024 } });
    const chunk = new Uint8Array(64 * 1024);
    const open = () => new types.OutgoingRequest(new types.Fields()).body();
    const first = open();
    const a = first.write();
    for (let i = 0; i < 9; i++) a.write(chunk);
    const second = open().write();
    let error: unknown;
    try {
      for (let i = 0; i < 9; i++) second.write(chunk);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ tag: 'last-operation-failed' });
    expect((error as { val: { message: string } }).val.message).toMatch(/open request bodies and headers exceed the 1 MiB/);
    // The first body, dropped unfinished, frees its bytes for a new one.
    first[Symbol.dispose]();
    const third = open().write();
    for (let i = 0; i < 9; i++) third.write(chunk);
  });

  it("runs the guest's worker with a bounded JavaScript heap", async () => {
    // The same limits the runtime starts its workers with: a thread that keeps allocating is ended.
    const worker = new Worker('const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random()));', {
      eval: true,
      resourceLimits: RUNTIME_WORKER_LIMITS,
    });
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => worker.once('error', resolve));
    expect(err.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect(RUNTIME_WORKER_LIMITS.maxOldGenerationSizeMb).toBeLessThanOrEqual(256);
  }, 60_000);
});
