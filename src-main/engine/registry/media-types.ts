/** Media types of the Wasm OCI artifact as Wassette and wasm-pkg-tools publish it, plus Weld's policy layer. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const WASM_CONFIG = 'application/vnd.wasm.config.v0+json';
export const WASM_LAYER = 'application/wasm';
/** A policy-mcp-rs YAML policy shipped beside the component (Weld's choice; Wassette keeps it out of band). */
export const POLICY_LAYER = 'application/vnd.wasm.policy.v1+yaml';
/** Older spellings that Wassette also accepts when pulling; Weld publishes only the canonical ones above. */
export const WASM_LAYER_ALIASES: readonly string[] = [
  WASM_LAYER,
  'application/vnd.wasm.component.v1',
  'application/vnd.bytecodealliance.wasm.component.layer.v0+wasm',
];
export const POLICY_LAYER_ALIASES: readonly string[] = [
  POLICY_LAYER,
  'application/vnd.wassette.policy+yaml',
  'application/x-yaml',
  'text/yaml',
];
export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** The empty JSON object blob `{}` that OCI 1.1 artifacts use as config. */
export const EMPTY_CONFIG_BYTES = new TextEncoder().encode('{}');
