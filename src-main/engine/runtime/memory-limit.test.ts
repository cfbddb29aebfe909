import { describe, expect, it } from 'vitest';
import { limitMemories, MemoryLimitError, memoryLedger } from './memory-limit.js';

const MiB = 2 ** 20;
const PAGE = 65536;

/** A core module defining one memory (`min` pages, optional max) and exporting it as "m". */
function memoryModule(minPages: number, maxPages?: number): Uint8Array {
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const limits = maxPages === undefined ? [0, ...leb(minPages)] : [1, ...leb(minPages), ...leb(maxPages)];
  const memory = [1, ...limits];
  const exports = [1, 1, 0x6d, 2, 0];
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, memory.length, ...memory, 7, exports.length, ...exports]);
}

/** Grows a memory page by page until it refuses: how far a guest could take it. */
function growAll(memory: WebAssembly.Memory): number {
  for (;;) {
    try {
      memory.grow(1);
    } catch {
      return memory.buffer.byteLength;
    }
  }
}

describe('the memory limit caps the whole instance', () => {
  it('shares the limit among all memories of all core modules instead of granting it to each', async () => {
    // Attack: six memories, each allowed up to the 32 MiB limit, held six times the limit.
    const modules = limitMemories(
      Array.from({ length: 6 }, () => memoryModule(1)),
      32 * MiB,
    );
    let total = 0;
    for (const bytes of modules) {
      const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>);
      total += growAll(instance.exports.m as WebAssembly.Memory);
    }
    expect(total).toBeLessThanOrEqual(32 * MiB);
    expect(total).toBeGreaterThan(32 * MiB - 6 * PAGE);
  });

  it('keeps a smaller declared maximum and gives what it leaves to the other memories', async () => {
    const [small, big] = limitMemories([memoryModule(1, 16), memoryModule(1)], 32 * MiB);
    const a = await WebAssembly.instantiate(small as Uint8Array<ArrayBuffer>);
    const b = await WebAssembly.instantiate(big as Uint8Array<ArrayBuffer>);
    expect(growAll(a.instance.exports.m as WebAssembly.Memory)).toBe(16 * PAGE);
    expect(growAll(b.instance.exports.m as WebAssembly.Memory)).toBe(32 * MiB - 16 * PAGE);
  });

  it('refuses a component whose memories together start above the limit', () => {
    expect(() => limitMemories([memoryModule(320), memoryModule(320)], 32 * MiB)).toThrow(
      'the component needs 40 MiB of memory at start, more than its limit of 32 MiB',
    );
  });

  it('refuses instantiating a core module again when its memories would pass the limit', async () => {
    const [bytes] = limitMemories([memoryModule(1)], 32 * MiB);
    const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    const ledger = memoryLedger(32 * MiB);
    ledger.instantiate(module);
    expect(() => ledger.instantiate(module)).toThrow(MemoryLimitError);
    expect(() => ledger.instantiate(module)).toThrow(/could reach 64 MiB, more than its limit of 32 MiB/);
    ledger.reset();
    ledger.instantiate(module);
  });
});
