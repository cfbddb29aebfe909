import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';

const ADD_WAT = `(component
  (core module $m (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
  (core instance $i (instantiate $m))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (export "add" (func $add))
)`;

let base: Promise<Uint8Array> | undefined;

/**
 * A tiny real component (export `add`). Each `variant` appends a distinct custom section, so every
 * test gets its own blob digest: registry storage is content addressed and tests tamper with blobs.
 * `padding` grows it to a given size (for size limits and timings).
 */
export async function addComponent(variant: string, padding = 0): Promise<Uint8Array> {
  base ??= parse(ADD_WAT);
  const name = new TextEncoder().encode(`weld-test-${variant}`);
  const payload = new Uint8Array(padding);
  const body = [...leb128(name.length), ...name];
  const size = body.length + payload.length;
  const section = new Uint8Array([0x00, ...leb128(size), ...body]);
  return Buffer.concat([await base, section, payload]);
}

function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}
