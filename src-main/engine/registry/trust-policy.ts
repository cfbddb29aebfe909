import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RegistryError } from './errors.js';
import { keyFingerprint, parsePublicKey } from './keys.js';

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'letters, digits, . _ @ - (max 64)');

const TrustFile = z
  .object({
    version: z.literal(1),
    keys: z.array(z.object({ name: Name, publicKey: z.string().max(16_384) }).strict()).max(1000),
    /** Keyless signers: the certificate's OIDC issuer and SAN must both equal these strings exactly. */
    identities: z
      .array(z.object({ name: Name, issuer: z.string().url(), subject: z.string().min(1).max(1024) }).strict())
      .max(1000),
    /** A Sigstore trusted_root.json (Fulcio CA, Rekor and CT log keys) for keyless verification. */
    trustedRoot: z.string().min(1).optional(),
  })
  .strict();
export type TrustFile = z.infer<typeof TrustFile>;

export interface TrustedKey {
  name: string;
  publicKeyPem: string;
  fingerprint: string;
}

export interface TrustPolicy {
  keys: TrustedKey[];
  identities: TrustFile['identities'];
  trustedRoot: string | undefined;
}

/** A key or identity a person trusted for one install only: never written to the trust file. */
export type TrustOnce = { kind: 'key'; publicKeyPem: string } | { kind: 'identity'; issuer: string; subject: string };

/** The policy with one more signer trusted, named so the install record says it was a one-off. */
export function withTrustedOnce(policy: TrustPolicy, once: TrustOnce | undefined): TrustPolicy {
  if (!once) return policy;
  if (once.kind === 'key') {
    const key = parsePublicKey(once.publicKeyPem, 'the public key');
    const fingerprint = keyFingerprint(key);
    const name = `key ${fingerprint.slice(0, 16)}… (trusted for this install)`;
    const pem = key.export({ type: 'spki', format: 'pem' }).toString();
    return { ...policy, keys: [...policy.keys, { name, publicKeyPem: pem, fingerprint }] };
  }
  const identity = { name: 'trusted for this install', issuer: once.issuer, subject: once.subject };
  return { ...policy, identities: [...policy.identities, identity] };
}

export function trustPolicyPath(home: string): string {
  return join(home, 'trust.json');
}

function readTrustFile(home: string): TrustFile {
  const path = trustPolicyPath(home);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [], identities: [] };
    throw err;
  }
  try {
    return TrustFile.parse(JSON.parse(text));
  } catch (err) {
    const detail =
      err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(err);
    throw new RegistryError('bad-input', `trust policy ${path} is not valid: ${detail}`);
  }
}

/** The trust policy: who may sign components this user installs. An absent file trusts nobody. */
export function loadTrustPolicy(home: string): TrustPolicy {
  const file = readTrustFile(home);
  return {
    keys: file.keys.map((k) => ({
      name: k.name,
      publicKeyPem: k.publicKey,
      fingerprint: keyFingerprint(parsePublicKey(k.publicKey, `trusted key "${k.name}"`)),
    })),
    identities: file.identities,
    trustedRoot: file.trustedRoot,
  };
}

function writeTrustFile(home: string, file: TrustFile): void {
  const path = trustPolicyPath(home);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function addTrustedKey(home: string, name: string, publicKeyPem: string): TrustedKey {
  const parsedName = Name.safeParse(name);
  if (!parsedName.success) throw new RegistryError('bad-input', `bad key name "${name}": letters, digits, . _ @ - (max 64)`);
  const key = parsePublicKey(publicKeyPem, `public key for "${name}"`);
  const fingerprint = keyFingerprint(key);
  const file = readTrustFile(home);
  if (file.keys.some((k) => k.name === name))
    throw new RegistryError('bad-input', `a trusted key named "${name}" already exists`);
  const same = file.keys.find((k) => keyFingerprint(parsePublicKey(k.publicKey, k.name)) === fingerprint);
  if (same) throw new RegistryError('bad-input', `this key is already trusted as "${same.name}"`);
  const pem = key.export({ type: 'spki', format: 'pem' }).toString();
  writeTrustFile(home, { ...file, keys: [...file.keys, { name, publicKey: pem }] });
  return { name, publicKeyPem: pem, fingerprint };
}

export function addTrustedIdentity(home: string, identity: { name: string; issuer: string; subject: string }): void {
  const file = readTrustFile(home);
  const next = TrustFile.safeParse({ ...file, identities: [...file.identities, identity] });
  if (!next.success) throw new RegistryError('bad-input', `bad identity: ${next.error.issues.map((i) => i.message).join('; ')}`);
  if (file.identities.some((i) => i.name === identity.name)) {
    throw new RegistryError('bad-input', `a trusted identity named "${identity.name}" already exists`);
  }
  writeTrustFile(home, next.data);
}

export function setTrustedRoot(home: string, path: string): void {
  writeTrustFile(home, { ...readTrustFile(home), trustedRoot: path });
}

/** Stops trusting a key or keyless identity by name; returns what kind was removed. */
export function removeTrusted(home: string, name: string): 'key' | 'identity' {
  const file = readTrustFile(home);
  const keys = file.keys.filter((k) => k.name !== name);
  const identities = file.identities.filter((i) => i.name !== name);
  if (keys.length === file.keys.length && identities.length === file.identities.length) {
    throw new RegistryError('bad-input', `nothing named "${name}" is trusted`);
  }
  writeTrustFile(home, { ...file, keys, identities });
  return keys.length !== file.keys.length ? 'key' : 'identity';
}
