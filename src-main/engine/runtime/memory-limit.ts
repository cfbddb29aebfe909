/**
 * Caps the linear memory of a whole component instance, by rewriting the declared maximum of every
 * memory its core modules define so that together they stay within the limit (and refusing minimums
 * that already exceed it). Worker resourceLimits do not cover wasm memory, but a memory whose
 * maximum is N pages cannot grow past it: memory.grow fails and the guest traps or reports out of
 * memory while the host stays healthy. Capping each memory at the limit was not enough: a component
 * with six memories held six times its limit. Each rewritten module also carries its share in a
 * custom section, so the worker can refuse a component that instantiates one module several times
 * (memoryLedger). A small hand-written pass: the one library that rewrites modules (binaryen) is
 * 10+ MB and re-encodes the whole 12 MB module; this touches one section and appends another.
 */

const PAGE = 65536;

export class MemoryLimitError extends Error {}

function readU(bytes: Uint8Array, at: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  let i = at;
  for (;;) {
    if (i >= bytes.length) throw new MemoryLimitError('truncated LEB128 in module');
    const b = bytes[i++];
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) return { value, next: i };
  }
}

function writeU(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

interface Limits {
  flags: number;
  min: bigint;
  max: bigint | undefined;
}

/** The memories a module defines (its memory section), or null when it defines none. */
function readMemories(module: Uint8Array): { at: number; end: number; memories: Limits[] } | null {
  if (module.length < 8 || module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) {
    throw new MemoryLimitError('not a WebAssembly core module');
  }
  let at = 8;
  while (at < module.length) {
    const id = module[at];
    const size = readU(module, at + 1);
    const start = size.next;
    const end = start + Number(size.value);
    if (end > module.length) throw new MemoryLimitError('truncated section in module');
    if (id === 5) {
      const payload = module.subarray(start, end);
      let { value: count, next: p } = readU(payload, 0);
      const memories: Limits[] = [];
      for (; count > 0n; count--) {
        const flags = payload[p++];
        if (flags > 0x07) throw new MemoryLimitError(`unsupported memory flags 0x${flags.toString(16)}`);
        const min = readU(payload, p);
        p = min.next;
        let max: bigint | undefined;
        if (flags & 0x01) {
          const m = readU(payload, p);
          max = m.value;
          p = m.next;
        }
        memories.push({ flags, min: min.value, max });
      }
      if (p !== payload.length) throw new MemoryLimitError('malformed memory section');
      return { at, end, memories };
    }
    at = end;
  }
  return null;
}

const mib = (pages: bigint) => (Number(pages) * PAGE) / 2 ** 20;

/**
 * Shares `capPages` among memories: each keeps its minimum, and what is left goes out in equal
 * parts, never beyond a memory's own declared maximum (water-filling). The sum is at most the cap.
 */
function share(memories: Limits[], capPages: bigint): bigint[] {
  const need = memories.reduce((n, m) => n + m.min, 0n);
  if (need > capPages) {
    throw new MemoryLimitError(
      `the component needs ${mib(need)} MiB of memory at start, more than its limit of ${mib(capPages)} MiB`,
    );
  }
  const got = memories.map((m) => m.min);
  let left = capPages - need;
  let open = memories.map((_, i) => i).filter((i) => (memories[i].max ?? capPages) > got[i]);
  while (left > 0n && open.length) {
    const each = left / BigInt(open.length) || 1n;
    for (const i of open) {
      const room = (memories[i].max ?? capPages) - got[i];
      const give = [each, room, left].reduce((a, b) => (a < b ? a : b));
      got[i] += give;
      left -= give;
    }
    open = open.filter((i) => (memories[i].max ?? capPages) > got[i]);
  }
  return got;
}

/** Name of the custom section that records the pages a module's memories may reach, for memoryLedger. */
export const PAGES_SECTION = 'weld-memory-pages';

/**
 * Returns the modules (same order) with every defined memory's maximum rewritten so that all of them
 * together stay within `limitBytes`, each with a PAGES_SECTION stating its share.
 */
export function limitMemories(modules: readonly Uint8Array[], limitBytes: number): Uint8Array[] {
  const capPages = BigInt(Math.max(1, Math.floor(limitBytes / PAGE)));
  const found = modules.map(readMemories);
  const all = found.flatMap((f) => f?.memories ?? []);
  const maxima = share(all, capPages);
  let k = 0;
  return modules.map((module, i) => {
    const f = found[i];
    if (!f) return module;
    const out = writeU(BigInt(f.memories.length));
    let pages = 0n;
    for (const m of f.memories) {
      const max = maxima[k++];
      pages += max;
      out.push(m.flags | 0x01, ...writeU(m.min), ...writeU(max));
    }
    const name = new TextEncoder().encode(PAGES_SECTION);
    const body = [...writeU(BigInt(name.length)), ...name, ...writeU(pages)];
    return Buffer.concat([
      module.subarray(0, f.at),
      Buffer.from([5, ...writeU(BigInt(out.length)), ...out]),
      module.subarray(f.end),
      Buffer.from([0, ...writeU(BigInt(body.length)), ...body]),
    ]);
  });
}

/** The pages a module compiled from limitMemories' output may grow its memories to, per instantiation. */
export function modulePages(module: WebAssembly.Module): number {
  const [section] = WebAssembly.Module.customSections(module, PAGES_SECTION);
  return section ? Number(readU(new Uint8Array(section), 0).value) : 0;
}

/**
 * Counts, in the worker, the memory every instantiation of a core module brings: limitMemories shares
 * the limit assuming each module is instantiated once, and a component may instantiate one several
 * times. Throws before the instantiation that would take the instance past its limit.
 */
export function memoryLedger(limitBytes: number): { reset(): void; instantiate(module: WebAssembly.Module): void } {
  const capPages = Math.max(1, Math.floor(limitBytes / PAGE));
  let pages = 0;
  return {
    reset() {
      pages = 0;
    },
    instantiate(module) {
      const more = modulePages(module);
      if (pages + more > capPages)
        throw new MemoryLimitError(
          `the component instantiates its core modules so that their memories could reach ${((pages + more) * PAGE) / 2 ** 20} MiB, more than its limit of ${(capPages * PAGE) / 2 ** 20} MiB`,
        );
      pages += more;
    },
  };
}
