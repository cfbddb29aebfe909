import { formatBytes } from './bounded-body.js';
import { RegistryError } from './errors.js';
import type { OciClient } from './oci-client.js';
import { formatReference, type OciReference, pinnedReference } from './reference.js';
import { findVerifiedSignature } from './signatures.js';
import type { TrustPolicy } from './trust-policy.js';
import type { VerificationResult } from './verify.js';
import { isComponent, readWasmConfig, type WasmConfig, wasmArtifactLayout } from './wasm-artifact.js';

const SMALL_BLOB_LIMIT = 1024 * 1024;

export interface PullDeps {
  client: OciClient;
  trust: TrustPolicy;
}

/** What the install prompt shows before anything large is downloaded. */
export interface OciInspection {
  reference: string;
  /** The reference pinned to the manifest digest that was inspected. */
  pinned: string;
  digest: string;
  /** Size of the component layer in bytes. */
  size: number;
  hasPolicy: boolean;
  /** null when the publisher used a generic OCI image config. */
  config: WasmConfig | null;
  signature: VerificationResult;
  /**
   * The manifest's `org.opencontainers.image.created` (epoch ms), or null when absent or unreadable.
   * It is inside the manifest the signature covers, so once `signature.verified` it is the signer's word.
   */
  created: number | null;
}

/** Exactly the input of the runtime's installComponent, plus what was checked to get it. */
export interface PulledComponent {
  bytes: Uint8Array;
  sourceRef: string;
  signatureStatus: 'verified' | 'allowed-unsigned';
  publisher: string | null;
  policyYaml: string | null;
  digest: string;
  /** Why the signature was accepted, or why it was overridden. */
  signatureReason: string;
}

const CREATED = 'org.opencontainers.image.created';

async function resolve(ref: OciReference, deps: PullDeps) {
  const repo = { registry: ref.registry, repository: ref.repository };
  const fetched = await deps.client.getManifest(repo, ref.digest ?? (ref.tag as string));
  const layout = wasmArtifactLayout(fetched.manifest, formatReference(ref));
  if (layout.wasm.size > deps.client.limits.blob) {
    throw new RegistryError(
      'too-large',
      `the component is ${formatBytes(layout.wasm.size)}, over the limit of ${formatBytes(deps.client.limits.blob)}`,
    );
  }
  const signature = await findVerifiedSignature(deps.client, repo, fetched.digest, deps.trust);
  const createdText = fetched.manifest.annotations?.[CREATED];
  const created = createdText === undefined ? Number.NaN : Date.parse(createdText);
  return { repo, digest: fetched.digest, layout, signature, created: Number.isFinite(created) ? created : null };
}

/** Manifest, config and signature only: the facts a person needs to decide whether to install. */
export async function inspectOci(ref: OciReference, deps: PullDeps): Promise<OciInspection> {
  const { repo, digest, layout, signature, created } = await resolve(ref, deps);
  const config = readWasmConfig(await deps.client.getBlob(repo, layout.config, SMALL_BLOB_LIMIT), layout.config.mediaType);
  return {
    reference: formatReference(ref),
    pinned: pinnedReference(ref, digest),
    digest,
    size: layout.wasm.size,
    hasPolicy: layout.policy !== null,
    config,
    signature,
    created,
  };
}

/**
 * Pulls a component only after its signature verified (the layer is not even downloaded before),
 * unless the caller explicitly allows an unsigned or untrusted one. Integrity failures (digest,
 * size, content type) are never overridable.
 */
export async function pullVerified(
  ref: OciReference,
  opts: { allowUnsigned?: boolean },
  deps: PullDeps,
): Promise<PulledComponent> {
  const { repo, digest, layout, signature } = await resolve(ref, deps);
  if (!signature.verified && !opts.allowUnsigned) {
    const code = signature.reason.startsWith('unsigned') ? 'unsigned' : 'untrusted';
    throw new RegistryError(code, `refusing ${formatReference(ref)}: ${signature.reason}. Nothing was installed.`);
  }
  // Only now, with the manifest's signature verified, are the blobs it names downloaded.
  const [configBytes, bytes, policyBytes] = await Promise.all([
    deps.client.getBlob(repo, layout.config, SMALL_BLOB_LIMIT),
    deps.client.getBlob(repo, layout.wasm),
    layout.policy ? deps.client.getBlob(repo, layout.policy, SMALL_BLOB_LIMIT) : null,
  ]);
  readWasmConfig(configBytes, layout.config.mediaType);
  if (!isComponent(bytes)) throw new RegistryError('bad-artifact', 'the application/wasm layer is not a WebAssembly component');
  let policyYaml: string | null = null;
  if (policyBytes) {
    try {
      policyYaml = new TextDecoder('utf-8', { fatal: true }).decode(policyBytes);
    } catch {
      throw new RegistryError('bad-artifact', 'the policy layer is not UTF-8 text');
    }
  }
  return {
    bytes,
    sourceRef: pinnedReference(ref, digest),
    signatureStatus: signature.verified ? 'verified' : 'allowed-unsigned',
    publisher: signature.publisher,
    policyYaml,
    digest,
    signatureReason: signature.reason,
  };
}
