import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { viewOutputStreamWrites } from '../../src-main/engine/runtime/glue-patches.js';
import { resolveSource } from '../../src-main/engine/runtime/sources.js';
import { cacheDir } from '../../src-main/engine/runtime/transpile-cache.js';
import { buildComponent, exampleDir } from '../fixtures/build.js';
import { Canary, type HostileWorld, hostileWasm, hostileWorld, text } from '../security/hostile-engine.js';

// The spin test waits this long; the other calls must fit in it on a loaded machine, where a fresh
// StarlingMonkey instance's first call took over 4 s of wall time (a thread gets a sliver of a core).
const TIMEOUT_MS = 10_000;
const POLICY = `version: "1.0"
description: "hostile guest with tight limits"
permissions:
  resources:
    limits:
      memory: 64Mi
      timeout: ${TIMEOUT_MS}ms
`;

/**
 * Guests that attack the host process itself: exit, an endless loop, a memory bomb and an output
 * flood. Each must end its own call with an error while Weld, and a second component, keep serving.
 */
describe('runtime limits against a hostile guest', { timeout: 120_000 }, () => {
  let w: HostileWorld;
  let canary: Canary;
  let clockTool: string;

  beforeAll(async () => {
    const [, clock] = await Promise.all([hostileWasm(), buildComponent(exampleDir('time'))]);
    w = await hostileWorld({ policy: POLICY });
    const { record } = await w.weld.install(await resolveSource(clock, { registry: w.weld.registry }), { actor: 'test' });
    clockTool = record.tools.find((t) => t.export === 'now')?.name ?? 'now';
    canary = new Canary(w.base);
  }, 240_000);
  afterAll(async () => {
    await w?.close();
  });
  afterEach(async () => {
    // Weld keeps serving the attacker (with a fresh instance where needed) and the other component.
    expect(text(await w.call('ok'))).toBe('ok');
    const now = await w.call(clockTool, { 'timezone-offset-minutes': null });
    expect(now.isError, text(now)).toBeFalsy();
    expect(Date.parse(text(now))).toBeGreaterThan(Date.now() - 60_000);
    canary.check();
  });

  function lastCall(tool: string) {
    w.weld.store.recorder.flush();
    const row = w.weld.store.calls.list({ tool, limit: 1 })[0];
    if (!row) throw new Error(`no call of ${tool} was recorded`);
    return row;
  }

  it('exit ends the call with an error, not the Weld process', async () => {
    const r = await w.call('exit-now', { code: 3 });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('The component exited with code 3 before returning a result.');
    expect(lastCall('exit-now')).toMatchObject({ status: 'error' });
  });

  it('an endless loop is stopped at the policy timeout and recorded as a timeout', async () => {
    const started = Date.now();
    const r = await w.call('spin');
    const took = Date.now() - started;
    expect(r.isError).toBe(true);
    expect(text(r)).toBe(
      `The tool call timed out after ${TIMEOUT_MS} ms and the component was stopped; the next call starts it again.`,
    );
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(took).toBeLessThan(TIMEOUT_MS + 5000);
    expect(lastCall('spin')).toMatchObject({ status: 'timeout' });
  });

  it('a memory bomb traps at the policy cap (64Mi) and the host survives', async () => {
    // Below the cap the guest allocates normally, so the failure below is the cap, not the guest.
    const small = await w.call('alloc-mb', { n: 8 });
    expect(text(small)).toBe('8');
    const rssBefore = process.memoryUsage().rss;
    const r = await w.call('alloc-mb', { n: 200 });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(
      /^The component failed: .*\(its memory had reached 6\d(\.\d)? MiB of its 64 MiB limit; raise resources\.limits\.memory in its policy if it needs more\)$/m,
    );
    // The guest never got its 200 MiB: the cap held inside the worker.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);
    expect(lastCall('alloc-mb')).toMatchObject({ status: 'error' });
  });

  it('a stdout flood is captured, bounded in the call log and never written to the process stdout', async () => {
    const write = vi.spyOn(process.stdout, 'write');
    try {
      const r = await w.call('flood-stdout', { lines: 2000 });
      expect(text(r)).toBe('2000');
      const leaked = write.mock.calls.filter(([chunk]) => String(chunk).includes('flood line'));
      expect(leaked).toEqual([]);
    } finally {
      write.mockRestore();
    }
    const row = lastCall('flood-stdout');
    expect(row.output).toContain('--- stdout ---\nflood line 0 ');
    expect(row.output).toMatch(/--- \d+ more bytes of output dropped ---$/);
    // 2000 lines are ~170 KB; the capture (64 KiB) and the log keep a bounded slice.
    expect(row.output?.length).toBeLessThanOrEqual(16 * 1024);
  });

  it('a forged JSON-RPC line on stdout stays in the call log', async () => {
    const write = vi.spyOn(process.stdout, 'write');
    try {
      const r = await w.call('print-jsonrpc');
      expect(r.isError).toBeFalsy();
      expect(write.mock.calls.filter(([chunk]) => String(chunk).includes('forged by hostile'))).toEqual([]);
    } finally {
      write.mockRestore();
    }
    expect(lastCall('print-jsonrpc').output).toContain('--- stdout ---\n{"jsonrpc":"2.0","id":1');
  });
});

/**
 * Output floods cost the guest its own time, not Weld's memory: captured output keeps 64 KiB per
 * stream and every other byte is counted and dropped as it arrives.
 */
describe('guest output floods', { timeout: 300_000 }, () => {
  let w: HostileWorld;
  const MiB = 1024 * 1024;
  const KEPT = 64 * 1024;
  /**
   * Passing bytes through the heap grew Weld by ~140 MiB per 100 MiB flood; counting and dropping them
   * costs 0.3-7 MiB (the 10 MiB target is a figure of the closing note). The bound sits between the two
   * because this process's RSS also moves with GC timing when other test files share the 2 cores.
   */
  const FLOOD_GROWTH_MIB = 32;

  beforeAll(async () => {
    await hostileWasm();
    // A long timeout: on a loaded machine a 25 MiB flood can take seconds, and a timeout is not what is tested.
    w = await hostileWorld({ policy: POLICY.replace(`${TIMEOUT_MS}ms`, '120s') });
  }, 240_000);
  afterAll(async () => {
    await w?.close();
  });

  function droppedIn(tool: string): number {
    w.weld.store.recorder.flush();
    const output = w.weld.store.calls.list({ tool, limit: 1 })[0]?.output ?? '';
    return Number(/--- (\d+) more bytes of output dropped ---$/.exec(output)?.[1] ?? Number.NaN);
  }

  /** Runs `fn` while sampling this process's RSS every millisecond; returns the peak growth in MiB. */
  async function peakGrowth(fn: () => Promise<void>): Promise<number> {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sample = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 1);
    try {
      await fn();
    } finally {
      clearInterval(sample);
    }
    return (Math.max(peak, process.memoryUsage().rss) - before) / MiB;
  }

  it("a 100 MiB flood on stdout and on stderr never passes through Weld's memory, and the log counts every dropped byte", async () => {
    const flood = async (toStderr: boolean, mib: number) => {
      const r = await w.call('flood-bytes', { mib, 'chunk-kib': 64, 'to-stderr': toStderr });
      expect(text(r)).toBe(String(mib));
      expect(droppedIn('flood-bytes')).toBe(mib * MiB - KEPT);
    };
    // The guest's own memory (capped by its policy) reaches its high-water mark first: that is the
    // guest's budget, not what the flood costs Weld.
    await flood(false, 25);
    await flood(true, 25);
    for (const toStderr of [false, true]) {
      const growth = await peakGrowth(async () => {
        for (let i = 0; i < 4; i++) await flood(toStderr, 25);
      });
      expect(growth, `${toStderr ? 'stderr' : 'stdout'} flood grew RSS by ${growth.toFixed(1)} MiB`).toBeLessThan(
        FLOOD_GROWTH_MIB,
      );
    }
  });

  it('the installed glue hands output-stream writes a view of guest memory instead of copying them', () => {
    const digest = w.weld.store.components.get(w.componentId)?.digest ?? '';
    const glue = readFileSync(join(cacheDir(join(w.home, 'cache'), digest), 'component.mjs'), 'utf8');
    // jco 0.15 glue for the two write functions, patched at install: nothing left to patch, views in place.
    expect(viewOutputStreamWrites(glue).patched).toBe(0);
    expect(glue.match(/new Uint8Array\(memory\d+\.buffer, ptr\d+, len\d+\);/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('8 GiB of zeroes asked for in one write costs one bounded buffer, and is counted', async () => {
    const growth = await peakGrowth(async () => {
      const r = await w.call('flood-zeroes', { mib: 8192, 'to-stderr': false });
      expect(text(r)).toBe('8192');
    });
    expect(droppedIn('flood-zeroes')).toBe(8192 * MiB - KEPT);
    expect(growth).toBeLessThan(FLOOD_GROWTH_MIB);
  });
});
