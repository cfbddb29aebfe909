import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempHome } from '../../../test/helpers.js';
import { startMockSigstore } from '../../../test/sigstore-mock.js';
import { generateSigningKeyPair, keyFingerprint, parsePublicKey } from './keys.js';
import { signManifestDigest } from './sign.js';
import { addTrustedIdentity, addTrustedKey, loadTrustPolicy, setTrustedRoot } from './trust-policy.js';
import { KEYLESS_THRESHOLDS, verifyBundle } from './verify.js';

const DIGEST = `sha256:${'1'.repeat(64)}`;
const OTHER = `sha256:${'2'.repeat(64)}`;
const REPO = '127.0.0.1:5000/tools/time';

let home: { home: string; cleanup: () => void };
const alice = generateSigningKeyPair();
const mallory = generateSigningKeyPair();

beforeAll(() => {
  home = tempHome('weld-verify-');
  addTrustedKey(home.home, 'alice', alice.publicKeyPem);
});
afterAll(() => home.cleanup());

const sign = (digest: string, pem = alice.privateKeyPem) => signManifestDigest(REPO, digest, { kind: 'key', privateKeyPem: pem });
const json = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString());
const bytes = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

describe('signature verification with a trusted key', () => {
  it('verifies a bundle signed by a trusted key for this digest, fast', async () => {
    const bundle = await sign(DIGEST);
    const trust = loadTrustPolicy(home.home);
    const result = verifyBundle(bundle, DIGEST, trust);
    expect(result).toEqual({
      verified: true,
      publisher: 'alice',
      reason: 'signed by alice',
      signer: { kind: 'key', fingerprint: loadTrustPolicy(home.home).keys[0].fingerprint },
    });
  });

  it('refuses a valid signature for another digest', async () => {
    const result = verifyBundle(await sign(OTHER), DIGEST, loadTrustPolicy(home.home));
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(/signed by alice, but the signature is for another artifact/);
  });

  it('refuses a key that is not in the trust policy', async () => {
    const result = verifyBundle(await sign(DIGEST, mallory.privateKeyPem), DIGEST, loadTrustPolicy(home.home));
    expect(result).toMatchObject({ verified: false, publisher: null });
    expect(result.reason).toMatch(/not in your trust policy/);
    // Who signed is still named, so a person can decide whether to trust them.
    expect(result.signer).toEqual({ kind: 'key', fingerprint: keyFingerprint(parsePublicKey(mallory.publicKeyPem, 'mallory')) });
  });

  it("refuses a forged bundle that names alice's key id but carries mallory's signature", async () => {
    // Attack: the key hint is attacker-controlled; it must only select a key, never vouch for one.
    const forged = json(await sign(DIGEST, mallory.privateKeyPem));
    const real = json(await sign(DIGEST));
    forged.verificationMaterial.publicKey.hint = real.verificationMaterial.publicKey.hint;
    const result = verifyBundle(bytes(forged), DIGEST, loadTrustPolicy(home.home));
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(/does not verify/);
  });

  it('refuses a payload swapped under a valid signature', async () => {
    const good = json(await sign(DIGEST));
    const other = json(await sign(OTHER));
    good.dsseEnvelope.payload = other.dsseEnvelope.payload;
    expect(verifyBundle(bytes(good), OTHER, loadTrustPolicy(home.home)).verified).toBe(false);
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{nope')],
    ['an empty object', bytes({})],
    ['null', bytes(null)],
    [
      'a bundle without signatures',
      bytes({
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        dsseEnvelope: { payload: '', payloadType: 'x', signatures: [] },
      }),
    ],
  ])('treats %s as not verified without throwing', (_, input) => {
    const result = verifyBundle(input, DIGEST, loadTrustPolicy(home.home));
    expect(result.verified).toBe(false);
    expect(result.publisher).toBeNull();
  });
});

describe('keyless signatures (@sigstore/mock Fulcio and Rekor on loopback)', () => {
  let mock: Awaited<ReturnType<typeof startMockSigstore>>;
  let keyless: { home: string; cleanup: () => void };
  const ISSUER = 'https://token.actions.example.com';

  beforeAll(async () => {
    mock = await startMockSigstore();
    keyless = tempHome('weld-keyless-');
    const rootPath = join(keyless.home, 'trusted_root.json');
    writeFileSync(rootPath, mock.trustedRootJson);
    setTrustedRoot(keyless.home, rootPath);
    addTrustedIdentity(keyless.home, { name: 'alice', issuer: ISSUER, subject: 'alice@example.com' });
  });
  afterAll(async () => {
    await mock?.close();
    keyless?.cleanup();
  });

  const signAs = (issuer: string, subject: string, digest = DIGEST) =>
    signManifestDigest(REPO, digest, {
      kind: 'keyless',
      fulcioUrl: mock.fulcioUrl,
      rekorUrl: mock.rekorUrl,
      identityToken: mock.identityToken(issuer, subject),
    });

  it('verifies a certificate for exactly the trusted issuer and subject', async () => {
    const result = verifyBundle(await signAs(ISSUER, 'alice@example.com'), DIGEST, loadTrustPolicy(keyless.home));
    expect(result).toMatchObject({ verified: true, publisher: 'alice <alice@example.com>' });
  });

  it('refuses a subject that only contains the trusted one (the library matches SANs as a regex)', async () => {
    const result = verifyBundle(await signAs(ISSUER, 'malice@example.com'), DIGEST, loadTrustPolicy(keyless.home));
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(/signed by malice@example\.com .* who is not in your trust policy/);
    expect(result.signer).toEqual({ kind: 'identity', issuer: ISSUER, subject: 'malice@example.com' });
  });

  it('refuses the right subject from another issuer', async () => {
    const result = verifyBundle(
      await signAs('https://evil.example.com', 'alice@example.com'),
      DIGEST,
      loadTrustPolicy(keyless.home),
    );
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(/issuer https:\/\/evil\.example\.com/);
  });

  // Attack: a keyless certificate anyone can get for their own identity, used without the public
  // evidence (log entry, signed time, CT proof) that lets its owner see it was used.
  const keylessBundle = async () => json(await signAs(ISSUER, 'alice@example.com'));

  it('refuses a keyless bundle without a transparency-log entry', async () => {
    const b = await keylessBundle();
    b.verificationMaterial.tlogEntries = [];
    const result = verifyBundle(bytes(b), DIGEST, loadTrustPolicy(keyless.home));
    expect(result).toMatchObject({ verified: false, publisher: null });
    expect(result.reason).toBe(
      'signed keylessly, but the bundle has no transparency-log (Rekor) entry, so the signing was never made public',
    );
    // And the library is asked for at least one verified entry of each kind, not zero.
    expect(Object.values(KEYLESS_THRESHOLDS).every((n) => n >= 1)).toBe(true);
  });

  it('refuses a keyless bundle whose log entry carries no signed timestamp', async () => {
    const b = await keylessBundle();
    delete b.verificationMaterial.tlogEntries[0].inclusionPromise;
    const result = verifyBundle(bytes(b), DIGEST, loadTrustPolicy(keyless.home));
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(/^signed keylessly, but the bundle has no signed timestamp/);
  });

  it('refuses a keyless bundle whose log entry is from a log the trusted root does not know', async () => {
    const b = await keylessBundle();
    b.verificationMaterial.tlogEntries[0].logId.keyId = Buffer.alloc(32, 7).toString('base64');
    const result = verifyBundle(bytes(b), DIGEST, loadTrustPolicy(keyless.home));
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(/does not verify/);
  });

  it('refuses a keyless certificate whose SCT is from a CT log the trusted root does not know', async () => {
    const h = tempHome('weld-keyless-noctlog-');
    try {
      const root = JSON.parse(mock.trustedRootJson);
      root.ctlogs = [];
      const rootPath = join(h.home, 'trusted_root.json');
      writeFileSync(rootPath, JSON.stringify(root));
      setTrustedRoot(h.home, rootPath);
      addTrustedIdentity(h.home, { name: 'alice', issuer: ISSUER, subject: 'alice@example.com' });
      const result = verifyBundle(bytes(await keylessBundle()), DIGEST, loadTrustPolicy(h.home));
      expect(result.verified).toBe(false);
      expect(result.reason).toMatch(/does not verify/);
    } finally {
      h.cleanup();
    }
  });

  it('refuses a keyless certificate without a certificate-transparency timestamp (SCT)', async () => {
    const noCt = await startMockSigstore({ sct: false });
    const h = tempHome('weld-keyless-nosct-');
    try {
      const rootPath = join(h.home, 'trusted_root.json');
      writeFileSync(rootPath, noCt.trustedRootJson);
      setTrustedRoot(h.home, rootPath);
      addTrustedIdentity(h.home, { name: 'alice', issuer: ISSUER, subject: 'alice@example.com' });
      const bundle = await signManifestDigest(REPO, DIGEST, {
        kind: 'keyless',
        fulcioUrl: noCt.fulcioUrl,
        rekorUrl: noCt.rekorUrl,
        identityToken: noCt.identityToken(ISSUER, 'alice@example.com'),
      });
      const result = verifyBundle(bundle, DIGEST, loadTrustPolicy(h.home));
      expect(result.verified).toBe(false);
      expect(result.reason).toMatch(/^signed keylessly, but its certificate has no certificate-transparency timestamp \(SCT\)/);
    } finally {
      await noCt.close();
      h.cleanup();
    }
  });

  it('refuses a keyless signature when no trusted root is configured', async () => {
    const result = verifyBundle(await signAs(ISSUER, 'alice@example.com'), DIGEST, loadTrustPolicy(home.home));
    expect(result.verified).toBe(false);
    expect(result.reason).toMatch(/no trusted root and identities for keyless signers/);
    // Unchecked (no root to check it against), but what the certificate claims is shown.
    expect(result.signer).toEqual({ kind: 'identity', issuer: ISSUER, subject: 'alice@example.com' });
  });
});
