import { createHash } from 'node:crypto';

export class ComponentFileError extends Error {}

/** Largest component file Weld reads unless WELD_MAX_COMPONENT_MB says otherwise (componentize-js components are ~12 MB). */
export const DEFAULT_COMPONENT_FILE_BYTES = 256 * 2 ** 20;
const MAX_SETTABLE_MIB = 4096;

/**
 * WELD_MAX_COMPONENT_MB in bytes: the largest component file Weld reads, and the largest component
 * layer it pulls from a registry. Undefined when unset, so each keeps its own default.
 */
export function componentLimitFromEnv(env: Record<string, string | undefined>): number | undefined {
  const raw = env.WELD_MAX_COMPONENT_MB;
  if (raw === undefined || raw === '') return undefined;
  const mib = Number(raw);
  if (!Number.isFinite(mib) || mib <= 0 || mib > MAX_SETTABLE_MIB)
    throw new ComponentFileError(`WELD_MAX_COMPONENT_MB must be a number of MiB (1-${MAX_SETTABLE_MIB}), got "${raw}"`);
  return Math.floor(mib * 2 ** 20);
}

/**
 * Checks the bytes are a whole WebAssembly component (not a core module, not truncated) before
 * anything heavier looks at them, so the person gets a sentence instead of a parser error.
 */
export function checkComponentBytes(bytes: Uint8Array): void {
  // Reads are bounded where the bytes come in (file, registry layer, upload); this is the outer wall.
  if (bytes.length > MAX_SETTABLE_MIB * 2 ** 20) throw new ComponentFileError(`the file is larger than ${MAX_SETTABLE_MIB} MiB`);
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
