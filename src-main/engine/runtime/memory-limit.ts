/**
 * Caps the linear memories a core module defines, by rewriting their declared maximum (and refusing
 * a minimum above the cap). Worker resourceLimits do not cover wasm memory, but a module whose
 * maximum is N pages cannot grow past it: memory.grow fails and the guest traps or reports out of
 * memory while the host stays healthy. A small hand-written pass: the one library that rewrites
 * modules (binaryen) is 10+ MB and re-encodes the whole 12 MB module; this touches one section.
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

function rewriteMemorySection(payload: Uint8Array, capPages: bigint): number[] {
  let { value: count, next: at } = readU(payload, 0);
  const out = writeU(count);
  for (; count > 0n; count--) {
    const flags = payload[at++];
    if (flags > 0x07) throw new MemoryLimitError(`unsupported memory flags 0x${flags.toString(16)}`);
    const min = readU(payload, at);
    at = min.next;
    let max: bigint | undefined;
    if (flags & 0x01) {
      const m = readU(payload, at);
      max = m.value;
      at = m.next;
    }
    if (min.value > capPages) {
      throw new MemoryLimitError(
        `the component needs ${(Number(min.value) * PAGE) / 2 ** 20} MiB of memory at start, more than its limit of ${(Number(capPages) * PAGE) / 2 ** 20} MiB`,
      );
    }
    const newMax = max === undefined || max > capPages ? capPages : max;
    out.push(flags | 0x01, ...writeU(min.value), ...writeU(newMax));
  }
  if (at !== payload.length) throw new MemoryLimitError('malformed memory section');
  return out;
}

/** Returns the module with every defined memory's maximum at most `limitBytes`. */
export function limitMemory(module: Uint8Array, limitBytes: number): Uint8Array {
  if (module.length < 8 || module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) {
    throw new MemoryLimitError('not a WebAssembly core module');
  }
  const capPages = BigInt(Math.max(1, Math.floor(limitBytes / PAGE)));
  let at = 8;
  while (at < module.length) {
    const id = module[at];
    const size = readU(module, at + 1);
    const start = size.next;
    const end = start + Number(size.value);
    if (end > module.length) throw new MemoryLimitError('truncated section in module');
    if (id === 5) {
      const payload = rewriteMemorySection(module.subarray(start, end), capPages);
      return Buffer.concat([
        module.subarray(0, at),
        Buffer.from([5, ...writeU(BigInt(payload.length)), ...payload]),
        module.subarray(end),
      ]);
    }
    at = end;
  }
  return module;
}
