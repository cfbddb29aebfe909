import { RegistryError } from './errors.js';
import { SIGSTORE_BUNDLE } from './media-types.js';
import type { OciClient, Repository } from './oci-client.js';
import type { TrustPolicy } from './trust-policy.js';
import { type VerificationResult, verifyBundle } from './verify.js';

const MAX_SIGNATURES = 8;
const BUNDLE_LIMIT = 1024 * 1024;

/**
 * Looks for Sigstore bundles attached to a manifest and returns the first that verifies under the
 * trust policy, or the reasons none did. Registry outages propagate; a broken signature is a reason.
 */
export async function findVerifiedSignature(
  client: OciClient,
  repo: Repository,
  digest: string,
  trust: TrustPolicy,
): Promise<VerificationResult> {
  const referrers = (await client.referrers(repo, digest, SIGSTORE_BUNDLE)).slice(0, MAX_SIGNATURES);
  if (referrers.length === 0) {
    return { verified: false, publisher: null, reason: `unsigned: no signature is attached to ${digest}`, signer: null };
  }
  const reasons: string[] = [];
  let signer: VerificationResult['signer'] = null;
  for (const ref of referrers) {
    try {
      const { manifest } = await client.getManifest(repo, ref.digest);
      if (manifest.subject?.digest !== digest)
        throw new RegistryError('bad-artifact', 'signature manifest names another subject');
      const layer = manifest.layers.find((l) => l.mediaType === SIGSTORE_BUNDLE);
      if (!layer || manifest.layers.length !== 1)
        throw new RegistryError('bad-artifact', 'signature manifest has no single bundle layer');
      const result = verifyBundle(await client.getBlob(repo, layer, BUNDLE_LIMIT), digest, trust);
      if (result.verified) return result;
      reasons.push(result.reason);
      signer ??= result.signer;
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'unreachable') throw err;
      reasons.push(`signature ${ref.digest.slice(0, 19)}… is unusable: ${(err as Error).message}`);
    }
  }
  return { verified: false, publisher: null, reason: [...new Set(reasons)].join('; '), signer };
}
