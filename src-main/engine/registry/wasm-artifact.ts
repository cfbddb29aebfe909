import { z } from 'zod';
import { RegistryError } from './errors.js';
import { OCI_IMAGE_CONFIG, OCI_MANIFEST, POLICY_LAYER_ALIASES, WASM_CONFIG, WASM_LAYER_ALIASES } from './media-types.js';
import type { Descriptor, ImageManifest } from './oci-types.js';
import { parseJson } from './oci-types.js';

/** The config blob wasm-pkg-tools writes (`application/vnd.wasm.config.v0+json`). */
export const WasmConfig = z.object({
  created: z.string().optional(),
  author: z.string().nullable().optional(),
  architecture: z.literal('wasm'),
  os: z.literal('wasip2'),
  layerDigests: z.array(z.string()).optional(),
  component: z
    .object({
      exports: z.array(z.string()).max(10_000),
      imports: z.array(z.string()).max(10_000),
      target: z.string().nullable().optional(),
    })
    .optional(),
});
export type WasmConfig = z.infer<typeof WasmConfig>;

export interface WasmArtifactLayout {
  config: Descriptor;
  wasm: Descriptor;
  policy: Descriptor | null;
}

/** The binary preamble of a WebAssembly component (magic, version 0x0d, layer 1), not a core module. */
const COMPONENT_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

export function isComponent(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 8 && COMPONENT_HEADER.every((b, i) => bytes[i] === b);
}

/** Finds config, wasm and optional policy layer in a manifest; anything else is not a Wasm component artifact. */
export function wasmArtifactLayout(manifest: ImageManifest, what: string): WasmArtifactLayout {
  const bad = (why: string): never => {
    throw new RegistryError('bad-artifact', `${what} is not a Wasm component artifact: ${why}`);
  };
  if (manifest.config.mediaType !== WASM_CONFIG && manifest.config.mediaType !== OCI_IMAGE_CONFIG) {
    bad(`config media type is "${manifest.config.mediaType}", expected ${WASM_CONFIG}`);
  }
  const wasm = manifest.layers.filter((l) => WASM_LAYER_ALIASES.includes(l.mediaType));
  const policy = manifest.layers.filter((l) => POLICY_LAYER_ALIASES.includes(l.mediaType));
  if (wasm.length !== 1) bad(`expected exactly one application/wasm layer, found ${wasm.length}`);
  if (policy.length > 1) bad('more than one policy layer');
  const other = manifest.layers.find(
    (l) => !WASM_LAYER_ALIASES.includes(l.mediaType) && !POLICY_LAYER_ALIASES.includes(l.mediaType),
  );
  if (other) bad(`unexpected layer media type "${other.mediaType}"`);
  return { config: manifest.config, wasm: wasm[0], policy: policy[0] ?? null };
}

const AnyJsonObject = z.record(z.string(), z.unknown());

/**
 * Reads the config blob: the Wasm config is validated and returned; a generic OCI image config (which
 * some publishers use) only has to be a JSON object and yields null, as it says nothing about the component.
 */
export function readWasmConfig(bytes: Uint8Array, mediaType: string): WasmConfig | null {
  if (mediaType === WASM_CONFIG) return parseJson(WasmConfig, bytes, 'component config');
  parseJson(AnyJsonObject, bytes, 'component config');
  return null;
}

/** Names of the world's imports and exports as wasm-pkg-tools lists them, read from `componentWit` output. */
export function worldItems(wit: string): { imports: string[]; exports: string[] } {
  const imports: string[] = [];
  const exports: string[] = [];
  const world = /^world\s+[^\s{]+\s*\{([\s\S]*?)^\}/m.exec(wit);
  for (const line of (world?.[1] ?? '').split('\n')) {
    const m = /^\s*(import|export)\s+(.+?)(?::\s|;)/.exec(line);
    if (m) (m[1] === 'import' ? imports : exports).push(m[2].trim());
  }
  return { imports, exports };
}

export function wasmConfig(layerDigests: string[], items: { imports: string[]; exports: string[] }, created: Date): WasmConfig {
  return {
    created: created.toISOString(),
    architecture: 'wasm',
    os: 'wasip2',
    layerDigests,
    component: { exports: items.exports, imports: items.imports, target: null },
  };
}

export function wasmManifest(layout: WasmArtifactLayout, annotations: Record<string, string>): ImageManifest {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: layout.config,
    layers: layout.policy ? [layout.wasm, layout.policy] : [layout.wasm],
    annotations,
  };
}
