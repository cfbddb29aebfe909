import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { RegistryError } from './errors.js';

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** An ECDSA P-256 signing key pair, PEM encoded (PKCS#8 private, SPKI public), as cosign and sigstore-js use. */
export function generateSigningKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Parses a PEM public key (or the public half of a private key) and insists on ECDSA P-256. */
export function parsePublicKey(pem: string, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new RegistryError('bad-input', `${what} is not a PEM public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new RegistryError('bad-input', `${what} must be an ECDSA P-256 key (weld keygen makes one)`);
  }
  return key;
}

/** The key id written into bundles as the key hint: sha256 of the DER SubjectPublicKeyInfo, hex. */
export function keyFingerprint(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}
