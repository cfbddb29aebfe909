import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Bundle, bundleFromJSON, isBundleWithDsseEnvelope } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { COSIGN_SIGN_PREDICATE, INTOTO_PAYLOAD_TYPE, INTOTO_STATEMENT_V1 } from './sign.js';
import type { TrustPolicy } from './trust-policy.js';

/** Who made a signature, as far as the bundle says: shown to a person deciding whether to trust them. */
export type Signer = { kind: 'key'; fingerprint: string } | { kind: 'identity'; issuer: string; subject: string };

export interface VerificationResult {
  verified: boolean;
  /** Who signed, as named in the trust policy (key name, or identity name and subject). */
  publisher: string | null;
  reason: string;
  /**
   * The key or identity that made the signature, also when it is not trusted (null when unsigned or
   * unreadable). For a keyless signature without a trusted root this is what the certificate claims.
   */
  signer: Signer | null;
}

const EMPTY_ROOT: TrustedRoot = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

/**
 * Verifies one Sigstore bundle against the manifest digest it claims to sign and the user's trust
 * policy. Never throws: any exception inside the sigstore libraries means "not verified".
 */
export function verifyBundle(bundleBytes: Uint8Array, manifestDigest: string, trust: TrustPolicy): VerificationResult {
  try {
    return verifyOrThrow(bundleBytes, manifestDigest, trust);
  } catch (err) {
    return refuse(`the signature does not verify: ${(err as Error)?.message ?? String(err)}`);
  }
}

function verifyOrThrow(bundleBytes: Uint8Array, manifestDigest: string, trust: TrustPolicy): VerificationResult {
  const bundle = bundleFromJSON(JSON.parse(Buffer.from(bundleBytes).toString('utf8')));
  if (!isBundleWithDsseEnvelope(bundle)) return refuse('the signature bundle is not a DSSE envelope');
  const material = bundle.verificationMaterial.content;
  let publisher: string;
  let signer: Signer;
  if (material.$case === 'publicKey') {
    signer = { kind: 'key', fingerprint: material.publicKey.hint };
    const key = trust.keys.find((k) => k.fingerprint === material.publicKey.hint);
    if (!key)
      return refuse(`signed by a key that is not in your trust policy (key id ${material.publicKey.hint.slice(0, 16)}…)`, signer);
    const trustMaterial = toTrustMaterial(EMPTY_ROOT, (hint) => {
      // The hint only selects a key; the signature check below is what proves possession.
      if (hint !== key.fingerprint) throw new Error(`unknown key ${hint}`);
      return { publicKey: createPublicKey(key.publicKeyPem), validFor: () => true };
    });
    // A bare key has no transparency log, CT log or timestamp to check.
    new Verifier(trustMaterial, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundle));
    publisher = key.name;
  } else {
    const result = verifyKeyless(bundle, trust);
    if (!result.verified || !result.signer) return result;
    publisher = result.publisher as string;
    signer = result.signer;
  }
  const subjectProblem = statementProblem(
    bundle.content.dsseEnvelope.payloadType,
    bundle.content.dsseEnvelope.payload,
    manifestDigest,
  );
  if (subjectProblem) return refuse(`signed by ${publisher}, but ${subjectProblem}`);
  return { verified: true, publisher, reason: `signed by ${publisher}`, signer };
}

function verifyKeyless(bundle: Bundle, trust: TrustPolicy): VerificationResult {
  if (!trust.trustedRoot || trust.identities.length === 0) {
    return refuse(
      'signed keylessly (certificate), but your trust policy has no trusted root and identities for keyless signers',
      claimedIdentity(bundle),
    );
  }
  const missing = missingKeylessEvidence(bundle);
  if (missing) return refuse(`signed keylessly, but ${missing}`);
  const trustMaterial: TrustMaterial = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(readFileSync(trust.trustedRoot, 'utf8'))));
  // One of each, checked against the trusted root: the library counts only entries that verify.
  const signer = new Verifier(trustMaterial, KEYLESS_THRESHOLDS).verify(toSignedEntity(bundle));
  // The library's identity policy matches the SAN as a regex anywhere; compare exact strings here.
  const san = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  const match = trust.identities.find((i) => i.subject === san && i.issuer === issuer);
  const signerIdentity: Signer | null = san && issuer ? { kind: 'identity', issuer, subject: san } : null;
  if (!match)
    return refuse(
      `signed by ${san ?? 'an unknown subject'} (issuer ${issuer ?? 'unknown'}), who is not in your trust policy`,
      signerIdentity,
    );
  return { verified: true, publisher: `${match.name} <${match.subject}>`, reason: 'keyless signature', signer: signerIdentity };
}

/** What a keyless certificate says about its signer, read without checking the chain (nothing to check it against). */
function claimedIdentity(bundle: Bundle): Signer | null {
  const key = toSignedEntity(bundle).key;
  if (key.$case !== 'certificate') return null;
  const cert = key.certificate;
  // Fulcio writes the issuer as a DER string (v2 OID) or raw bytes (v1 OID), as @sigstore/verify reads it.
  const v2 = cert.extension('1.3.6.1.4.1.57264.1.8');
  const issuer = v2
    ? v2.valueObj.subs?.[0]?.value.toString('ascii')
    : cert.extension('1.3.6.1.4.1.57264.1.1')?.value.toString('ascii');
  const subject = cert.subjectAltName;
  return issuer && subject ? { kind: 'identity', issuer, subject } : null;
}

export const KEYLESS_THRESHOLDS = { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 } as const;

/**
 * A keyless certificate lives ten minutes and anyone can get one for their own identity: the signature
 * means something only with the public evidence around it. Each piece is named here when it is absent,
 * before the library counts what verifies (KEYLESS_THRESHOLDS), so the refusal says what is missing:
 * a transparency-log entry (the signing is public), a signed time inside the certificate's
 * validity (a Rekor inclusion promise or an RFC 3161 timestamp), and the CA's SCT (the certificate
 * itself is in a CT log).
 */
function missingKeylessEvidence(bundle: Bundle): string | null {
  const material = bundle.verificationMaterial;
  const entries = material.tlogEntries ?? [];
  if (entries.length === 0) return 'the bundle has no transparency-log (Rekor) entry, so the signing was never made public';
  const timestamps = material.timestampVerificationData?.rfc3161Timestamps ?? [];
  if (timestamps.length === 0 && !entries.some((e) => e.inclusionPromise?.signedEntryTimestamp?.length))
    return 'the bundle has no signed timestamp (a Rekor inclusion promise or an RFC 3161 timestamp) showing the short-lived certificate was valid when it signed';
  const content = material.content;
  const raw =
    content.$case === 'certificate'
      ? content.certificate.rawBytes
      : content.$case === 'x509CertificateChain'
        ? content.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  if (!raw) return 'the bundle carries no signing certificate';
  if (!X509Certificate.parse(Buffer.from(raw)).extSCT?.signedCertificateTimestamps.length)
    return 'its certificate has no certificate-transparency timestamp (SCT), so it was never logged where its owner could see it';
  return null;
}

/** The DSSE signature covers whatever payload it carries: check that payload names this manifest. */
function statementProblem(payloadType: string, payload: Buffer, manifestDigest: string): string | null {
  if (payloadType !== INTOTO_PAYLOAD_TYPE) return `the signed payload has type "${payloadType}", not an in-toto statement`;
  const statement = JSON.parse(payload.toString('utf8')) as {
    _type?: unknown;
    predicateType?: unknown;
    subject?: { digest?: { sha256?: unknown } }[];
  };
  if (statement._type !== INTOTO_STATEMENT_V1) return 'the signed statement has an unknown type';
  if (statement.predicateType !== COSIGN_SIGN_PREDICATE)
    return `the signed statement is a "${String(statement.predicateType)}", not a signature`;
  const hex = manifestDigest.slice('sha256:'.length);
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  if (subjects.some((s) => s?.digest?.sha256 === hex)) return null;
  const other = subjects.map((s) => String(s?.digest?.sha256)).join(', ');
  return `the signature is for another artifact (sha256:${other || 'none'}), not ${manifestDigest}`;
}

function refuse(reason: string, signer: Signer | null = null): VerificationResult {
  return { verified: false, publisher: null, reason, signer };
}
