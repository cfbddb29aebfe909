/** Media types of the Wasm OCI artifact as Wassette and wasm-pkg-tools publish it, plus Weld's policy layer. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const WASM_CONFIG = 'application/vnd.wasm.config.v0+json';
export const WASM_LAYER = 'application/wasm';
/** A policy-mcp-rs YAML policy shipped beside the component (Weld's choice; Wassette keeps it out of band). */
export const POLICY_LAYER = 'application/vnd.wasm.policy.v1+yaml';
export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** The empty JSON object blob `{}` that OCI 1.1 artifacts use as config. */
export const EMPTY_CONFIG_BYTES = new TextEncoder().encode('{}');
