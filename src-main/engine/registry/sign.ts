import { createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { RegistryError } from './errors.js';
import { keyFingerprint } from './keys.js';

/** in-toto statement type and the predicate cosign uses for "this OCI artifact was signed". */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const INTOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

export type SigningMethod =
  | { kind: 'key'; privateKeyPem: string }
  /** Keyless: a short-lived Fulcio certificate for an OIDC identity, logged in Rekor. */
  | { kind: 'keyless'; fulcioUrl: string; rekorUrl: string; identityToken: string };

/** The statement a signature covers: the manifest digest of one repository's artifact. */
export function signatureStatement(repository: string, manifestDigest: string): Uint8Array {
  const statement = {
    _type: INTOTO_STATEMENT_V1,
    subject: [{ name: repository, digest: { sha256: manifestDigest.slice('sha256:'.length) } }],
    predicateType: COSIGN_SIGN_PREDICATE,
    predicate: {},
  };
  return new TextEncoder().encode(JSON.stringify(statement));
}

export function loadPrivateKey(pem: string): KeyObject {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('not an ECDSA P-256 key');
    }
    return key;
  } catch (err) {
    throw new RegistryError(
      'bad-input',
      `the signing key is not a usable ECDSA P-256 PEM private key: ${(err as Error).message}`,
    );
  }
}

/**
 * Signs the manifest digest as a DSSE-wrapped in-toto statement and returns the Sigstore bundle
 * (v0.3 JSON). @sigstore/sign is loaded only here, so serving installed tools never pays for it.
 */
export async function signManifestDigest(repository: string, manifestDigest: string, method: SigningMethod): Promise<Uint8Array> {
  const sigstore = await import('@sigstore/sign');
  const artifact = { data: Buffer.from(signatureStatement(repository, manifestDigest)), type: INTOTO_PAYLOAD_TYPE };
  let bundle: Awaited<ReturnType<InstanceType<typeof sigstore.DSSEBundleBuilder>['create']>>;
  if (method.kind === 'key') {
    const privateKey = loadPrivateKey(method.privateKeyPem);
    const publicKeyObject = createPublicKey(privateKey);
    const hint = keyFingerprint(publicKeyObject);
    const publicKey = publicKeyObject.export({ type: 'spki', format: 'pem' }).toString();
    const signer = {
      sign: async (data: Buffer) => ({
        signature: cryptoSign('sha256', data, privateKey),
        key: { $case: 'publicKey' as const, publicKey, hint },
      }),
    };
    bundle = await new sigstore.DSSEBundleBuilder({ signer, witnesses: [] }).create(artifact);
  } else {
    const signer = new sigstore.FulcioSigner({
      fulcioBaseURL: method.fulcioUrl,
      identityProvider: { getToken: async () => method.identityToken },
    });
    // Rekor v1 "intoto" entries: accepted by every Rekor v1 and by @sigstore/mock, whose "dsse" entries
    // lack the canonical body the verifier compares against.
    const witness = new sigstore.RekorWitness({ rekorBaseURL: method.rekorUrl, entryType: 'intoto' });
    try {
      bundle = await new sigstore.DSSEBundleBuilder({ signer, witnesses: [witness] }).create(artifact);
    } catch (err) {
      throw new RegistryError(
        'unreachable',
        `keyless signing failed (Fulcio ${method.fulcioUrl}, Rekor ${method.rekorUrl}): ${(err as Error).message}`,
      );
    }
  }
  return new TextEncoder().encode(JSON.stringify(bundleToJSON(bundle)));
}
