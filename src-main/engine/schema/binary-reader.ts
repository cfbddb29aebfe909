/** A bounds-checked cursor over WebAssembly binary encoding (LEB128 integers, names, sections). */
export class BinaryReader {
  pos: number;
  readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) throw new WasmFormatError('unexpected end of data', this.pos);
    return this.bytes[this.pos++]!;
  }

  peek(): number {
    if (this.pos >= this.end) throw new WasmFormatError('unexpected end of data', this.pos);
    return this.bytes[this.pos]!;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
      shift += 7;
      if (shift > 28) throw new WasmFormatError('integer too large', this.pos);
    }
    if (result > 0xffffffff) throw new WasmFormatError('integer too large', this.pos);
    return result;
  }

  /** A signed LEB128 of up to 33 bits (component value types use it for type indices). */
  s33(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 35) throw new WasmFormatError('integer too large', this.pos);
    } while (b & 0x80);
    if (b & 0x40) result -= 2 ** shift;
    return result;
  }

  bytesOf(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new WasmFormatError('unexpected end of data', this.pos);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const n = this.u32();
    return decoder.decode(this.bytesOf(n));
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw new WasmFormatError('unexpected end of data', this.pos);
    this.pos += n;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class WasmFormatError extends Error {
  override name = 'WasmFormatError';
  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} at byte ${offset}`);
  }
}

export interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  /** Offsets of the section's contents. */
  contentStart: number;
  end: number;
}

export const COMPONENT_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00] as const;

export function isComponent(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && COMPONENT_HEADER.every((b, i) => bytes[i] === b);
}

/** The top-level sections of a component binary (nested modules and components are not entered). */
export function componentSections(bytes: Uint8Array, start = 0, end = bytes.length): Section[] {
  const r = new BinaryReader(bytes, start, end);
  const header = r.bytesOf(8);
  if (!COMPONENT_HEADER.every((b, i) => header[i] === b)) {
    throw new WasmFormatError('not a WebAssembly component (bad header)', start);
  }
  const out: Section[] = [];
  while (!r.done) {
    const sectionStart = r.pos;
    const id = r.u8();
    const size = r.u32();
    const contentStart = r.pos;
    r.skip(size);
    out.push({ id, start: sectionStart, contentStart, end: r.pos });
  }
  return out;
}

/** Name and payload of a custom section (id 0). */
export function customSection(bytes: Uint8Array, s: Section): { name: string; data: Uint8Array } {
  const r = new BinaryReader(bytes, s.contentStart, s.end);
  const name = r.string();
  return { name, data: bytes.subarray(r.pos, s.end) };
}

export function encodeU32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** A complete custom section (id, size, name, payload). */
export function encodeCustomSection(name: string, data: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const body = [...encodeU32(nameBytes.length), ...nameBytes];
  const size = body.length + data.length;
  const head = [0x00, ...encodeU32(size), ...body];
  const out = new Uint8Array(head.length + data.length);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}
