import { parse as parseYaml } from 'yaml';
import { sha256Digest } from './bounded-body.js';
import { RegistryError } from './errors.js';
import { OCI_MANIFEST, POLICY_LAYER, SIGSTORE_BUNDLE, WASM_CONFIG, WASM_LAYER } from './media-types.js';
import type { OciClient } from './oci-client.js';
import type { Descriptor } from './oci-types.js';
import { formatReference, type OciReference, pinnedReference } from './reference.js';
import { COSIGN_SIGN_PREDICATE, loadPrivateKey, type SigningMethod, signManifestDigest } from './sign.js';
import { isComponent, wasmConfig, wasmManifest, worldItems } from './wasm-artifact.js';

export interface PublishInput {
  ref: OciReference;
  wasm: Uint8Array;
  policyYaml: string | null;
  signing: SigningMethod;
  now?: Date;
}

export interface PublishResult {
  reference: string;
  pinned: string;
  digest: string;
  signature: Descriptor;
}

/** Pushes a component as a Wasm OCI artifact, then signs its manifest digest and attaches the bundle as a referrer. */
export async function publishComponent(client: OciClient, input: PublishInput): Promise<PublishResult> {
  const { ref, wasm, policyYaml } = input;
  if (!ref.tag || ref.digest) throw new RegistryError('bad-reference', 'publish to a tag (oci://host/repo:tag), not a digest');
  if (!isComponent(wasm))
    throw new RegistryError(
      'bad-input',
      'the file is not a WebAssembly component (core modules must be wrapped with wasm-tools component new)',
    );
  if (policyYaml !== null) checkPolicyShape(policyYaml);
  // Resolved before anything is pushed, so a bad key or an invalid component leaves the registry untouched.
  if (input.signing.kind === 'key') loadPrivateKey(input.signing.privateKeyPem);
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  let items: ReturnType<typeof worldItems>;
  try {
    items = worldItems(await componentWit(wasm));
  } catch (err) {
    throw new RegistryError('bad-input', `the component cannot be decoded: ${(err as Error).message ?? err}`);
  }

  const now = input.now ?? new Date();
  const policyBytes = policyYaml === null ? null : new TextEncoder().encode(policyYaml);
  const wasmDesc = describe(wasm, WASM_LAYER);
  const policyDesc = policyBytes && describe(policyBytes, POLICY_LAYER);
  const layerDigests = [wasmDesc.digest, ...(policyDesc ? [policyDesc.digest] : [])];
  const configBytes = new TextEncoder().encode(JSON.stringify(wasmConfig(layerDigests, items, now)));
  const configDesc = describe(configBytes, WASM_CONFIG);
  const manifest = wasmManifest(
    { config: configDesc, wasm: wasmDesc, policy: policyDesc },
    { 'org.opencontainers.image.created': now.toISOString() },
  );
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const digest = sha256Digest(manifestBytes);
  // Signed before anything is pushed: a signing failure must not leave an unsigned tag behind.
  const bundle = await signManifestDigest(`${ref.registry}/${ref.repository}`, digest, input.signing);

  const repo = { registry: ref.registry, repository: ref.repository };
  await client.pushBlob(repo, wasm, WASM_LAYER);
  if (policyBytes) await client.pushBlob(repo, policyBytes, POLICY_LAYER);
  await client.pushBlob(repo, configBytes, WASM_CONFIG);
  await client.putManifest(repo, ref.tag, manifestBytes, OCI_MANIFEST);
  const signature = await client.attachReferrer(
    repo,
    { mediaType: OCI_MANIFEST, digest, size: manifestBytes.byteLength },
    SIGSTORE_BUNDLE,
    bundle,
    {
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': COSIGN_SIGN_PREDICATE,
      'org.opencontainers.image.created': now.toISOString(),
    },
  );
  return { reference: formatReference(ref), pinned: pinnedReference(ref, digest), digest, signature };
}

function describe(bytes: Uint8Array, mediaType: string): Descriptor {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.byteLength };
}

/** The policy's full validation belongs to the policy module at install; here only catch an obviously wrong file. */
function checkPolicyShape(text: string): void {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new RegistryError('bad-input', `the policy is not valid YAML: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('permissions' in doc || 'version' in doc)) {
    throw new RegistryError('bad-input', 'the policy must be a policy-mcp-rs YAML mapping with version and permissions');
  }
}
