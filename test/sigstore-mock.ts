import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fulcioHandler, type HandlerFn, initializeCA, initializeCTLog, initializeTLog, rekorHandler } from '@sigstore/mock';
import { HashAlgorithm, PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';

export interface MockSigstore {
  fulcioUrl: string;
  rekorUrl: string;
  /** trusted_root.json content trusting exactly this mock CA, Rekor and CT log. */
  trustedRootJson: string;
  /** An OIDC token the mock Fulcio accepts (it does not check signatures). */
  identityToken(issuer: string, subject: string): string;
  close(): Promise<void>;
}

const ecKeyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

/**
 * A real Fulcio and Rekor (from @sigstore/mock) on loopback HTTP, so keyless signing runs end to end.
 * `sct: false` makes a Fulcio that issues certificates without a certificate-transparency timestamp.
 */
export async function startMockSigstore(opts: { sct?: boolean } = {}): Promise<MockSigstore> {
  const routes = new Map<string, HandlerFn>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const fn = req.method === 'POST' ? routes.get(req.url ?? '') : undefined;
    if (!fn) return void res.writeHead(404).end();
    const { statusCode, response, contentType } = await fn(Buffer.concat(chunks).toString());
    res.writeHead(statusCode, { 'content-type': contentType ?? 'text/plain' }).end(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ctlog = await initializeCTLog(ecKeyPair());
  const ca = await initializeCA(ecKeyPair(), opts.sct === false ? undefined : ctlog);
  const tlog = await initializeTLog(base, ecKeyPair());
  for (const h of [fulcioHandler(ca), rekorHandler(tlog)]) routes.set(h.path, h.fn);

  const start = new Date(Date.now() - 60_000);
  const logKey = (publicKey: Buffer, keyId: Buffer, baseUrl: string) => ({
    baseUrl,
    hashAlgorithm: HashAlgorithm.SHA2_256,
    publicKey: { rawBytes: publicKey, keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start } },
    logId: { keyId },
    checkpointKeyId: undefined,
    operator: 'weld-test',
  });
  const root: TrustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    certificateAuthorities: [
      {
        subject: { commonName: 'sigstore', organization: 'sigstore.mock' },
        uri: base,
        certChain: { certificates: [{ rawBytes: Buffer.from(ca.rootCertificate.buffer) }] },
        validFor: { start },
        operator: 'weld-test',
      },
    ],
    tlogs: [logKey(tlog.publicKey, createHash('sha256').update(tlog.publicKey).digest(), base)],
    ctlogs: [logKey(ctlog.publicKey, Buffer.from(ctlog.logID.buffer), base)],
    timestampAuthorities: [],
  };
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return {
    fulcioUrl: base,
    rekorUrl: base,
    trustedRootJson: JSON.stringify(TrustedRoot.toJSON(root)),
    identityToken: (iss, sub) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss, sub, aud: 'sigstore' })}.sig`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
