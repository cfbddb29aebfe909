import { createHash } from 'node:crypto';

export class ComponentFileError extends Error {}

/** Largest component Weld accepts (componentize-js components are ~12 MB). */
export const MAX_COMPONENT_BYTES = 256 * 1024 * 1024;

/**
 * Checks the bytes are a whole WebAssembly component (not a core module, not truncated) before
 * anything heavier looks at them, so the person gets a sentence instead of a parser error.
 */
export function checkComponentBytes(bytes: Uint8Array): void {
  if (bytes.length > MAX_COMPONENT_BYTES)
    throw new ComponentFileError(`the file is larger than ${MAX_COMPONENT_BYTES / 2 ** 20} MiB`);
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new ComponentFileError('not a WebAssembly file (it does not start with \\0asm)');
  }
  const version = bytes[4] | (bytes[5] << 8);
  const layer = bytes[6] | (bytes[7] << 8);
  if (layer === 0 && version === 1) {
    throw new ComponentFileError(
      'this is a core WebAssembly module, not a component: Weld runs WASI 0.2 components (build with componentize-js, cargo-component, or `wasm-tools component new`)',
    );
  }
  if (layer !== 1) throw new ComponentFileError(`unknown WebAssembly binary layer ${layer}`);
  // Walk the section framing: a truncated download ends inside a section.
  let at = 8;
  while (at < bytes.length) {
    let size = 0;
    let shift = 0;
    let i = at + 1;
    for (;;) {
      if (i >= bytes.length) throw new ComponentFileError('the component is truncated (incomplete section header)');
      const b = bytes[i++];
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
      if (shift > 35) throw new ComponentFileError('malformed section size');
    }
    at = i + size;
    if (at > bytes.length)
      throw new ComponentFileError(`the component is truncated (a section needs ${at - bytes.length} more bytes)`);
  }
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
