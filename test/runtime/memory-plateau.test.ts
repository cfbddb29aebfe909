import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/engine/log.js';
import { resolveSource } from '../../src-main/engine/runtime/sources.js';
import { createWeld, type Weld } from '../../src-main/engine/weld.js';
import { leakyComponent } from '../fixtures/wat-components.js';
import { tempHome } from '../helpers.js';

const PAGE = 64 * 1024;
// The engine's default: a guest is replaced once its memory has grown 8 MiB past its size at start.
const RECYCLE_PAGES = (8 * 1024 * 1024) / PAGE;

/** Retained heap: what is left after a full collection, the part of memory that cannot be noise. */
function retainedHeap(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

describe('a server that answers many calls', () => {
  let home: ReturnType<typeof tempHome>;
  let weld: Weld;

  beforeEach(async () => {
    home = tempHome();
    weld = await createWeld({ home: home.home, logger: silentLogger });
    const wasm = join(home.home, 'leaky.wasm');
    writeFileSync(wasm, await leakyComponent());
    await weld.install(await resolveSource(wasm, { registry: weld.registry }), { actor: 'test' });
  });
  afterEach(async () => {
    await weld.stop();
    home.cleanup();
  });

  const call = async (tool: string, args: Record<string, unknown> = {}) => {
    const r = await weld.dispatcher.call({ tool, args, client: 'test' });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    return r;
  };

  it('replaces a guest whose memory keeps growing with a fresh instance, between two calls, and no call fails', async () => {
    // The guest's own answer says how many pages its instance holds: it drops when a fresh one took over.
    let pages = 0;
    let dropped = false;
    for (let i = 0; i < 20_000 && !dropped; i++) {
      const now = Number((await call('leak')).content[0].text);
      dropped = now < pages;
      pages = now;
    }
    expect(dropped).toBe(true);
    // The fresh instance starts beside the old one, which serves on meanwhile: past the budget, not at it.
    expect(pages).toBeLessThan(RECYCLE_PAGES);
    expect(weld.runtime.guestMemory('leaky')?.recycles).toBe(1);
  });

  it("keeps the engine's retained heap flat over 20,000 calls", async () => {
    for (let i = 0; i < 2000; i++) await call('add', { a: i, b: 1 });
    weld.store.recorder.flush();
    const before = retainedHeap();
    for (let i = 0; i < 20_000; i++) await call('add', { a: i, b: 1 });
    weld.store.recorder.flush();
    const growth = retainedHeap() - before;
    // 20,000 calls: 1 MiB would be ~50 bytes kept per call. A per-call leak of any real object (a call
    // record, a listener, a promise) is larger than that.
    expect(growth).toBeLessThan(1024 * 1024);
  }, 120_000);
});
