import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDispatch } from '../src-main/api/registry.js';
import { createRegistry, RegistryError } from '../src-main/engine/registry/index.js';
import { OCI_INDEX, OCI_MANIFEST, SIGSTORE_BUNDLE, WASM_CONFIG, WASM_LAYER } from '../src-main/engine/registry/media-types.js';
import { OciClient } from '../src-main/engine/registry/oci-client.js';
import { wasmConfig, wasmManifest } from '../src-main/engine/registry/wasm-artifact.js';
import { createWeld } from '../src-main/engine/weld.js';
import { startTestApi } from './api.js';
import { runWeld, tempHome } from './helpers.js';
import { deadPort, registryMissing, skopeoMissing, startProxy, startRegistry, type TestRegistry } from './oci-registry.js';
import { startMockSigstore } from './sigstore-mock.js';
import { addComponent } from './wasm-fixture.js';

const POLICY = 'version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: "api.example.com"\n';

let reg: TestRegistry;
let author: { home: string; cleanup: () => void };
let user: { home: string; cleanup: () => void };
let stranger: { home: string; cleanup: () => void };

async function publish(variant: string, repoTag: string, opts: { key?: string; padding?: number } = {}) {
  const wasm = await addComponent(variant, opts.padding);
  const file = join(author.home, `${variant}.wasm`);
  writeFileSync(file, wasm);
  writeFileSync(join(author.home, 'policy.yaml'), POLICY);
  const ref = `oci://${reg.host}/${repoTag}`;
  const r = await runWeld(
    [
      'publish',
      file,
      ref,
      '--policy',
      join(author.home, 'policy.yaml'),
      '--key',
      opts.key ?? join(author.home, 'alice.key'),
      '--json',
    ],
    author.home,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as { digest: string; pinned: string };
  return { ref, wasm, digest: out.digest, pinned: out.pinned };
}

/** Pushes a well-formed Wasm artifact with no signature at all, the way a careless publisher would. */
async function pushUnsigned(variant: string, repoTag: string) {
  const [repository, tag] = repoTag.split(':');
  const client = new OciClient();
  const repo = { registry: reg.host, repository };
  const wasm = await addComponent(variant);
  const layer = await client.pushBlob(repo, wasm, WASM_LAYER);
  const configBytes = Buffer.from(JSON.stringify(wasmConfig([layer.digest], { imports: [], exports: ['add'] }, new Date())));
  const config = await client.pushBlob(repo, configBytes, WASM_CONFIG);
  const bytes = Buffer.from(JSON.stringify(wasmManifest({ config, wasm: layer, policy: null }, {})));
  const { digest } = await client.putManifest(repo, tag, bytes, OCI_MANIFEST);
  return { ref: `oci://${reg.host}/${repoTag}`, digest, size: bytes.byteLength, repo, wasm };
}

async function refusal(p: Promise<unknown>): Promise<RegistryError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected a refusal').toBeInstanceOf(RegistryError);
  return err as RegistryError;
}

const skopeo = (args: string[]) => promisify(execFile)('skopeo', args, { timeout: 20_000 });

describe.skipIf(registryMissing !== null)('signed components from an OCI registry (docker-registry on loopback)', () => {
  beforeAll(async () => {
    reg = await startRegistry();
    author = tempHome('weld-author-');
    user = tempHome('weld-user-');
    stranger = tempHome('weld-stranger-');
    for (const name of ['alice', 'mallory']) {
      const r = await runWeld(['keygen', '--out', author.home, '--name', name], author.home);
      expect(r.code).toBe(0);
    }
    expect((await runWeld(['trust', 'add-key', 'alice', join(author.home, 'alice.pub')], user.home)).code).toBe(0);
  });
  afterAll(async () => {
    await reg?.stop();
    for (const h of [author, user, stranger]) h?.cleanup();
  });

  it.skipIf(skopeoMissing !== null)(
    'publishes a signed component that skopeo reads as a Wasm OCI artifact with a signature referrer',
    async () => {
      const { digest } = await publish('skopeo', 'tools/time:1.0');
      const { stdout } = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/tools/time:1.0`]);
      expect(`sha256:${createHash('sha256').update(stdout).digest('hex')}`).toBe(digest);
      const manifest = JSON.parse(stdout);
      expect(manifest.mediaType).toBe(OCI_MANIFEST);
      expect(manifest.config.mediaType).toBe(WASM_CONFIG);
      expect(manifest.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual([
        WASM_LAYER,
        'application/vnd.wasm.policy.v1+yaml',
      ]);

      // docker-registry 2.8 has no referrers API: the signature is listed under the sha256-<hex> tag.
      const fallback = `docker://${reg.host}/tools/time:${digest.replace(':', '-')}`;
      const index = JSON.parse((await skopeo(['inspect', '--raw', '--tls-verify=false', fallback])).stdout);
      expect(index.mediaType).toBe(OCI_INDEX);
      expect(index.manifests).toHaveLength(1);
      expect(index.manifests[0].artifactType).toBe(SIGSTORE_BUNDLE);
    },
  );

  it('pulls a component signed by a trusted key with its policy, pinned to the manifest digest', async () => {
    const { ref, wasm, digest, pinned } = await publish('good', 'tools/good:1.0');
    const t0 = performance.now();
    const pulled = await createRegistry({ home: user.home }).pullVerified(ref);
    const ms = performance.now() - t0;
    expect(pulled.signatureStatus).toBe('verified');
    expect(pulled.publisher).toBe('alice');
    expect(Buffer.from(pulled.bytes).equals(Buffer.from(wasm))).toBe(true);
    expect(pulled.policyYaml).toBe(POLICY);
    expect(pulled.digest).toBe(digest);
    expect(pulled.sourceRef).toBe(pinned);
    expect(pinned).toBe(`oci://${reg.host}/tools/good@${digest}`);
    expect(ms).toBeLessThan(10_000);

    const byDigest = await createRegistry({ home: user.home }).pullVerified(pinned);
    expect(byDigest.publisher).toBe('alice');
  });

  it('inspect-oci shows publisher, digest, size and exports before anything is installed', async () => {
    const { ref, wasm, digest } = await publish('inspect', 'tools/inspect:2.1');
    const r = await runWeld(['inspect-oci', ref, '--json'], user.home);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({
      digest,
      size: wasm.byteLength,
      hasPolicy: true,
      signature: { verified: true, publisher: 'alice' },
    });
    expect(info.config.component.exports).toEqual(['add']);

    const text = await runWeld(['inspect-oci', ref], stranger.home);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/publisher: NOT VERIFIED \(signed by a key that is not in your trust policy/);
  });

  it('shows the install prompt facts and catalog search through the UI API', async () => {
    const { ref, digest, wasm } = await publish('api', 'tools/api:1.0');
    const weld = await createWeld({ home: user.home, env: {} });
    try {
      const dispatch = createApiDispatch({
        weld,
        actor: 'test',
        shell: 'web',
        httpUrl: null,
        socketPath: null,
        launcher: { command: 'weld', args: [] },
      });
      expect(await dispatch('registry.inspect', { ref })).toEqual({
        reference: ref,
        pinned: `oci://${reg.host}/tools/api@${digest}`,
        digest,
        size: wasm.byteLength,
        hasPolicy: true,
        exports: ['add'],
        imports: [],
        signature: {
          verified: true,
          publisher: 'alice',
          reason: 'signed by alice',
          signer: { kind: 'key', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) },
        },
      });
      await expect(dispatch('registry.inspect', { ref: 'docker://nope' })).rejects.toMatchObject({
        code: 'bad-input',
        message: expect.stringMatching(/must start with oci:\/\//),
      });
      await expect(dispatch('registry.inspect', { ref: `oci://${reg.host}/tools/api:9.9` })).rejects.toMatchObject({
        code: 'not-found',
      });
      expect(await dispatch('catalog.search', { query: 'weather' })).toEqual([
        {
          name: 'Weather Server',
          description: 'A weather component written in JavaScript',
          uri: 'oci://ghcr.io/microsoft/get-weather-js:latest',
        },
      ]);
    } finally {
      await weld.stop();
    }
  });

  it('refuses an unsigned component, and accepts it only with an explicit allowUnsigned', async () => {
    const { ref, wasm } = await pushUnsigned('unsigned', 'tools/unsigned:1.0');
    const err = await refusal(createRegistry({ home: user.home }).pullVerified(ref));
    expect(err.code).toBe('unsigned');
    expect(err.message).toMatch(/refusing .*tools\/unsigned:1\.0: unsigned: no signature is attached/);
    expect(err.message).toMatch(/Nothing was installed/);

    const pulled = await createRegistry({ home: user.home }).pullVerified(ref, { allowUnsigned: true });
    expect(pulled.signatureStatus).toBe('allowed-unsigned');
    expect(pulled.publisher).toBeNull();
    expect(Buffer.from(pulled.bytes).equals(Buffer.from(wasm))).toBe(true);
  });

  it('refuses a component signed with a key the user does not trust', async () => {
    // Attack: mallory publishes under a plausible name; the user trusts only alice.
    const { ref } = await publish('mallory', 'tools/helpful:1.0', { key: join(author.home, 'mallory.key') });
    const err = await refusal(createRegistry({ home: user.home }).pullVerified(ref));
    expect(err.code).toBe('untrusted');
    expect(err.message).toMatch(/signed by a key that is not in your trust policy/);
    // A user with an empty trust policy trusts nobody.
    const none = await refusal(createRegistry({ home: stranger.home }).pullVerified(ref));
    expect(none.code).toBe('untrusted');
  });

  it('a person trusts an unknown signer from the window: for one install, or always, and each change is audited', async () => {
    const { ref } = await publish('trust-ui', 'tools/trust-ui:1.0', { key: join(author.home, 'mallory.key') });
    const malloryPub = readFileSync(join(author.home, 'mallory.pub'), 'utf8');
    const api = await startTestApi();
    try {
      // Who signed is shown even though nobody trusts them yet.
      const { fingerprint } = await api.call('trust.checkKey', { publicKeyPem: malloryPub });
      const untrusted = await api.call('registry.inspect', { ref });
      expect(untrusted.signature).toMatchObject({ verified: false, signer: { kind: 'key', fingerprint } });

      // For this install only: verified with the key given, nothing written to the trust policy.
      const once = { kind: 'key' as const, publicKeyPem: malloryPub };
      expect(await api.call('registry.inspect', { ref, trustOnce: once })).toMatchObject({ signature: { verified: true } });
      const preview = await api.call('components.analyze', { source: { kind: 'ref', ref, trustOnce: once } });
      expect(preview.signatureStatus).toBe('verified');
      expect(preview.publisher).toMatch(/trusted for this install/);
      await api.call('components.install', { previewId: preview.previewId, approve: [] });
      expect(await api.call('trust.list', {})).toEqual({ keys: [], identities: [], hasTrustedRoot: false });
      // A key that did not sign it does not make it verified.
      const alicePub = readFileSync(join(author.home, 'alice.pub'), 'utf8');
      expect(await api.call('registry.inspect', { ref, trustOnce: { kind: 'key', publicKeyPem: alicePub } })).toMatchObject({
        signature: { verified: false },
      });

      // Always: saved, then listed, then removed.
      expect(await api.call('trust.addKey', { name: 'mallory', publicKeyPem: malloryPub })).toEqual({
        name: 'mallory',
        fingerprint,
      });
      expect(await api.call('registry.inspect', { ref })).toMatchObject({ signature: { verified: true, publisher: 'mallory' } });
      expect(await api.call('trust.list', {})).toMatchObject({ keys: [{ name: 'mallory', fingerprint }] });
      await expect(api.call('trust.addKey', { name: 'bad name!', publicKeyPem: malloryPub })).rejects.toMatchObject({
        code: 'bad-input',
        message: expect.stringMatching(/^Name: use letters, digits/),
      });
      expect(await api.call('trust.remove', { name: 'mallory' })).toEqual({ name: 'mallory', kind: 'key' });
      expect(await api.call('registry.inspect', { ref })).toMatchObject({ signature: { verified: false } });

      const rows = api.weld.store.audit.list();
      expect(rows.map((r) => [r.action, r.actor, r.subject])).toEqual(
        expect.arrayContaining([
          ['trust.once', 'user:web-ui', 'trust-ui'],
          ['trust.key.added', 'user:web-ui', 'mallory'],
          ['trust.removed', 'user:web-ui', 'mallory'],
        ]),
      );
      expect(rows.find((r) => r.action === 'trust.once')?.detail).toMatchObject({ fingerprint });
    } finally {
      await api.stop();
    }
  });

  it('a registry reference typed without oci:// gets a hint, never a path under the server directory', async () => {
    const api = await startTestApi();
    try {
      await expect(api.call('components.analyze', { source: { kind: 'ref', ref: 'ghcr.io/foo/bar:1.0' } })).rejects.toThrow(
        '"ghcr.io/foo/bar:1.0" looks like a registry reference: write it as oci://ghcr.io/foo/bar:1.0',
      );
      const rel = api.call('components.analyze', { source: { kind: 'ref', ref: 'tool.wasm' } });
      await expect(rel).rejects.toThrow(/full path/);
      await expect(rel).rejects.not.toThrow(process.cwd());
    } finally {
      await api.stop();
    }
  });

  it('refuses a genuine signature that was made for another artifact', async () => {
    // Attack: copy alice's valid bundle for one component onto a different, unsigned component.
    const signed = await publish('donor', 'tools/donor:1.0');
    const victim = await pushUnsigned('swapped', 'tools/swapped:1.0');
    const client = new OciClient();
    const donorRepo = { registry: reg.host, repository: 'tools/donor' };
    const [sig] = await client.referrers(donorRepo, signed.digest, SIGSTORE_BUNDLE);
    const { manifest } = await client.getManifest(donorRepo, sig.digest);
    const bundle = await client.getBlob(donorRepo, manifest.layers[0]);
    await client.attachReferrer(
      victim.repo,
      { mediaType: OCI_MANIFEST, digest: victim.digest, size: victim.size },
      SIGSTORE_BUNDLE,
      bundle,
      {},
    );

    const err = await refusal(createRegistry({ home: user.home }).pullVerified(victim.ref));
    expect(err.code).toBe('untrusted');
    expect(err.message).toMatch(/signed by alice, but the signature is for another artifact/);
    expect(err.message).toContain(signed.digest.slice('sha256:'.length));
  });

  it('refuses a component layer that was tampered with in the registry', async () => {
    // Attack: the registry (or its storage) swaps the component bytes under a validly signed manifest.
    const { ref, wasm } = await publish('tamper-layer', 'tools/tamper-layer:1.0');
    const layerDigest = `sha256:${createHash('sha256').update(wasm).digest('hex')}`;
    const evil = Buffer.from(wasm);
    evil[evil.length - 1] ^= 0xff;
    writeFileSync(reg.blobPath(layerDigest), evil);
    const err = await refusal(createRegistry({ home: user.home }).pullVerified(ref));
    expect(err.code).toBe('digest-mismatch');
    expect(err.message).toMatch(/blob sha256:[0-9a-f]{64} \(application\/wasm\) was tampered with/);
  });

  it('refuses a manifest that was tampered with in the registry', async () => {
    const { ref, digest, pinned } = await publish('tamper-manifest', 'tools/tamper-manifest:1.0');
    const path = reg.blobPath(digest);
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace('"org.opencontainers.image.created":"2', '"org.opencontainers.image.created":"3'),
    );
    for (const r of [ref, pinned]) {
      const err = await refusal(createRegistry({ home: user.home }).pullVerified(r));
      expect(err.code).toBe('digest-mismatch');
      expect(err.message).toMatch(/manifest .* was tampered with/);
    }
  });

  it('refuses a manifest served with the wrong content type', async () => {
    const { ref } = await publish('content-type', 'tools/ctype:1.0');
    const proxy = await startProxy(reg.host, async (req, res) => {
      if (req.method !== 'GET' || !req.path.includes('/manifests/1.0')) return false;
      const up = await fetch(`http://${reg.host}${req.path}`, { headers: { accept: OCI_MANIFEST } });
      res.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.from(await up.arrayBuffer()));
      return true;
    });
    try {
      const err = await refusal(createRegistry({ home: user.home }).pullVerified(ref.replace(reg.host, proxy.host)));
      expect(err.code).toBe('content-type');
      expect(err.message).toMatch(/has content type "text\/html", expected application\/vnd\.oci\.image\.manifest\.v1\+json/);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a component over the size limit before downloading it', async () => {
    const { ref } = await publish('big', 'tools/big:1.0', { padding: 2 * 1024 * 1024 });
    const err = await refusal(createRegistry({ home: user.home, limits: { blob: 1024 * 1024 } }).pullVerified(ref));
    expect(err.code).toBe('too-large');
    expect(err.message).toMatch(/the component is 2\.0 MiB, over the limit of 1\.0 MiB/);
  });

  it('stops reading a blob that streams past its declared size', async () => {
    // Attack: a hostile registry answers the layer request with an endless body to exhaust memory.
    const { ref, wasm } = await publish('endless', 'tools/endless:1.0');
    const layerDigest = `sha256:${createHash('sha256').update(wasm).digest('hex')}`;
    let sent = 0;
    const proxy = await startProxy(reg.host, async (req, res) => {
      if (!req.path.endsWith(`/blobs/${layerDigest}`)) return false;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (!res.destroyed && sent < 512 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return true;
    });
    try {
      const err = await refusal(createRegistry({ home: user.home }).pullVerified(ref.replace(reg.host, proxy.host)));
      expect(err.code).toBe('too-large');
      expect(err.message).toMatch(/application\/wasm\) is larger than the \d+ bytes its descriptor declares/);
      expect(sent).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await proxy.close();
    }
  });

  it('reports a registry that is down', async () => {
    const port = await deadPort();
    const err = await refusal(createRegistry({ home: user.home }).pullVerified(`oci://127.0.0.1:${port}/tools/time:1.0`));
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(new RegExp(`cannot reach registry 127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    const cli = await runWeld(['inspect-oci', `oci://127.0.0.1:${port}/tools/time:1.0`], user.home);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^weld inspect-oci: cannot reach registry/);
  });

  it('pulls through an anonymous bearer-token challenge', async () => {
    const { ref } = await publish('bearer', 'tools/bearer:1.0');
    const scopes: string[] = [];
    let proxyHost = '';
    const proxy = await startProxy(reg.host, (req, res) => {
      if (req.path.startsWith('/token')) {
        const url = new URL(req.path, 'http://x');
        scopes.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-123' }));
        return true;
      }
      if (req.headers.authorization === 'Bearer tok-123') return false;
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${proxyHost}/token",service="weld-test",scope="repository:tools/bearer:pull"`,
        })
        .end();
      return true;
    });
    proxyHost = proxy.host;
    try {
      const pulled = await createRegistry({ home: user.home }).pullVerified(ref.replace(reg.host, proxy.host));
      expect(pulled.publisher).toBe('alice');
      expect(scopes[0]).toBe('weld-test repository:tools/bearer:pull');
    } finally {
      await proxy.close();
    }
  });

  it('follows a blob redirect to storage without leaking the registry token, and refuses a downgrade to http', async () => {
    // Attack: a registry (or a man in the middle of its storage) collects tokens from redirected downloads.
    const { ref } = await publish('redirect', 'tools/redirect:1.0');
    const storageAuth: (string | undefined)[] = [];
    const storage = await startProxy(reg.host, (req) => {
      storageAuth.push(req.headers.authorization);
      return false;
    });
    let downgrade = false;
    let proxyHost = '';
    const proxy = await startProxy(reg.host, (req, res) => {
      if (req.path.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-456' }));
        return true;
      }
      if (req.headers.authorization !== 'Bearer tok-456') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${proxyHost}/token",service="s"` }).end();
        return true;
      }
      if (!req.path.includes('/blobs/')) return false;
      const location = downgrade ? `http://storage.example.com${req.path}` : `http://${storage.host}${req.path}`;
      res.writeHead(307, { location }).end();
      return true;
    });
    proxyHost = proxy.host;
    try {
      const viaProxy = ref.replace(reg.host, proxy.host);
      const pulled = await createRegistry({ home: user.home }).pullVerified(viaProxy);
      expect(pulled.publisher).toBe('alice');
      expect(storageAuth.length).toBeGreaterThan(0);
      expect(storageAuth.every((a) => a === undefined)).toBe(true);

      downgrade = true;
      const err = await refusal(createRegistry({ home: user.home }).pullVerified(viaProxy));
      expect(err.message).toMatch(/redirected to http:\/\/storage\.example\.com, which is not https/);
    } finally {
      await proxy.close();
      await storage.close();
    }
  });

  it('uses basic credentials from the data dir only for their registry', async () => {
    const { ref } = await publish('basic', 'tools/basic:1.0');
    const expected = `Basic ${Buffer.from('bob:s3cret').toString('base64')}`;
    const proxy = await startProxy(reg.host, (req, res) => {
      if (req.headers.authorization === expected) return false;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
      return true;
    });
    try {
      const viaProxy = ref.replace(reg.host, proxy.host);
      const anon = await refusal(createRegistry({ home: user.home }).pullVerified(viaProxy));
      expect(anon.code).toBe('auth');
      expect(anon.message).toMatch(/needs a login: add it to the registry credentials file/);

      const home = tempHome('weld-creds-');
      try {
        writeFileSync(
          join(home.home, 'registry-credentials.json'),
          JSON.stringify({ registries: { [proxy.host]: { username: 'bob', password: 's3cret' } } }),
        );
        writeFileSync(join(home.home, 'trust.json'), readFileSync(join(user.home, 'trust.json')));
        const pulled = await createRegistry({ home: home.home }).pullVerified(viaProxy);
        expect(pulled.publisher).toBe('alice');
      } finally {
        home.cleanup();
      }
    } finally {
      await proxy.close();
    }
  });

  it('finds signatures through the referrers API when the registry has one', async () => {
    const { ref, digest } = await publish('referrers-api', 'tools/refapi:1.0');
    const tag = digest.replace(':', '-');
    let apiCalls = 0;
    const proxy = await startProxy(reg.host, async (req, res) => {
      if (req.path.includes(`/manifests/${tag}`)) {
        res.writeHead(404).end();
        return true;
      }
      if (!req.path.startsWith(`/v2/tools/refapi/referrers/${digest}`)) return false;
      apiCalls++;
      const up = await fetch(`http://${reg.host}/v2/tools/refapi/manifests/${tag}`, { headers: { accept: OCI_INDEX } });
      res.writeHead(200, { 'content-type': OCI_INDEX }).end(Buffer.from(await up.arrayBuffer()));
      return true;
    });
    try {
      const pulled = await createRegistry({ home: user.home }).pullVerified(ref.replace(reg.host, proxy.host));
      expect(pulled.publisher).toBe('alice');
      expect(apiCalls).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('lists tags of a repository', async () => {
    await publish('tags-a', 'tools/tags:1.0');
    await publish('tags-b', 'tools/tags:1.1');
    const tags = await createRegistry({ home: user.home }).listTags(`oci://${reg.host}/tools/tags`);
    expect(tags.filter((t) => !t.startsWith('sha256-')).sort()).toEqual(['1.0', '1.1']);
  });

  it('publishes keylessly through Fulcio and Rekor and verifies only the exact trusted identity', async () => {
    const mock = await startMockSigstore();
    const keyless = tempHome('weld-keyless-user-');
    try {
      const file = join(author.home, 'keyless.wasm');
      writeFileSync(file, await addComponent('keyless'));
      const ref = `oci://${reg.host}/tools/keyless:1.0`;
      const issuer = 'https://accounts.example.com';
      const r = await runWeld(['publish', file, ref, '--keyless'], author.home, {
        env: {
          WELD_FULCIO_URL: mock.fulcioUrl,
          WELD_REKOR_URL: mock.rekorUrl,
          SIGSTORE_ID_TOKEN: mock.identityToken(issuer, 'ci@example.com'),
        },
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);

      const rootPath = join(keyless.home, 'trusted_root.json');
      writeFileSync(rootPath, mock.trustedRootJson);
      expect((await runWeld(['trust', 'set-root', rootPath], keyless.home)).code).toBe(0);
      // Trusting "i@example.com" must not admit "ci@example.com", although the one contains the other.
      expect(
        (await runWeld(['trust', 'add-identity', 'intern', '--issuer', issuer, '--subject', 'i@example.com'], keyless.home)).code,
      ).toBe(0);
      const err = await refusal(createRegistry({ home: keyless.home }).pullVerified(ref));
      expect(err.message).toMatch(
        /signed by ci@example\.com \(issuer https:\/\/accounts\.example\.com\), who is not in your trust policy/,
      );

      expect(
        (await runWeld(['trust', 'add-identity', 'ci', '--issuer', issuer, '--subject', 'ci@example.com'], keyless.home)).code,
      ).toBe(0);
      const pulled = await createRegistry({ home: keyless.home }).pullVerified(ref);
      expect(pulled.signatureStatus).toBe('verified');
      expect(pulled.publisher).toBe('ci <ci@example.com>');
    } finally {
      await mock.close();
      keyless.cleanup();
    }
  });
});
