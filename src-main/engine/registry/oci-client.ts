import { z } from 'zod';
import { readBounded, sha256Digest } from './bounded-body.js';
import type { BasicCredentials, CredentialLookup } from './credentials.js';
import { RegistryError } from './errors.js';
import { EMPTY_CONFIG_BYTES, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import { type Descriptor, ImageIndex, ImageManifest, parseJson } from './oci-types.js';
import { DIGEST, isLoopbackRegistry, registryBaseUrl } from './reference.js';
import { parseChallenge } from './www-authenticate.js';

export interface Repository {
  registry: string;
  repository: string;
}

export interface OciLimits {
  /** Bytes of one manifest or index. */
  manifest: number;
  /** Bytes of one blob (the wasm layer is the big one). */
  blob: number;
}

export const DEFAULT_LIMITS: OciLimits = { manifest: 4 * 1024 * 1024, blob: 64 * 1024 * 1024 };
const SMALL_JSON_LIMIT = 1024 * 1024;
const MAX_TAG_PAGES = 20;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface OciClientOptions {
  fetch?: typeof fetch;
  credentials?: CredentialLookup;
  limits?: Partial<OciLimits>;
  /** Per request, including reading the body. */
  timeoutMs?: number;
}

export interface FetchedManifest {
  bytes: Uint8Array;
  /** sha256 of the bytes actually received (never the registry's word for it). */
  digest: string;
  manifest: ImageManifest;
}

type Action = 'pull' | 'pull,push';

/**
 * A client for the OCI distribution API on plain fetch. It trusts nothing the registry says about
 * content: every manifest and blob is size-capped while streaming and checked against its digest.
 */
export class OciClient {
  readonly limits: OciLimits;
  readonly #fetch: typeof fetch;
  readonly #credentials: CredentialLookup;
  readonly #timeoutMs: number;
  /** Authorization header per registry + repository + action set, learnt from 401 challenges. */
  readonly #auth = new Map<string, string>();

  constructor(opts: OciClientOptions = {}) {
    this.#fetch = opts.fetch ?? fetch;
    this.#credentials = opts.credentials ?? (() => undefined);
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  /** Fetches an image manifest by tag or digest and checks its content type, size and digest. */
  async getManifest(repo: Repository, reference: string): Promise<FetchedManifest> {
    const what = `manifest ${repo.repository}:${reference}`;
    const res = await this.#request(repo, 'pull', `/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } });
    if (res.status === 404) throw await notFound(res, `${repo.registry}/${repo.repository}:${reference} does not exist`);
    await expectOk(res, what);
    const type = contentType(res);
    if (type !== OCI_MANIFEST) {
      await res.body?.cancel().catch(() => {});
      throw new RegistryError('content-type', `${what} has content type "${type || 'none'}", expected ${OCI_MANIFEST}`);
    }
    const expected = DIGEST.test(reference) ? reference : undefined;
    const bytes = await readBounded(res, what, this.limits.manifest, expected);
    const digest = sha256Digest(bytes);
    const claimed = res.headers.get('docker-content-digest');
    if (claimed && claimed !== digest) {
      throw new RegistryError(
        'digest-mismatch',
        `${what} was tampered with: the registry says ${claimed}, the bytes hash to ${digest}`,
      );
    }
    const manifest = parseJson(ImageManifest, bytes, what);
    if (manifest.mediaType !== undefined && manifest.mediaType !== OCI_MANIFEST) {
      throw new RegistryError('content-type', `${what} declares media type "${manifest.mediaType}", expected ${OCI_MANIFEST}`);
    }
    return { bytes, digest, manifest };
  }

  /** Downloads a blob named by a descriptor; refuses it past `limit` or the descriptor's size, or on a digest mismatch. */
  async getBlob(repo: Repository, desc: Descriptor, limit = this.limits.blob): Promise<Uint8Array> {
    const what = `blob ${desc.digest} (${desc.mediaType})`;
    if (desc.size > limit) {
      throw new RegistryError('too-large', `${what} declares ${desc.size} bytes, over the limit of ${limit}`);
    }
    const res = await this.#request(repo, 'pull', `/blobs/${desc.digest}`, {});
    if (res.status === 404) throw await notFound(res, `${what} is missing from ${repo.registry}/${repo.repository}`);
    await expectOk(res, what);
    const bytes = await readBounded(res, what, desc.size, desc.digest, `the ${desc.size} bytes its descriptor declares`);
    if (bytes.byteLength !== desc.size) {
      throw new RegistryError('digest-mismatch', `${what} has ${bytes.byteLength} bytes, the manifest says ${desc.size}`);
    }
    return bytes;
  }

  /** Uploads a blob monolithically (POST then PUT) unless the registry already has it. */
  async pushBlob(repo: Repository, bytes: Uint8Array, mediaType: string): Promise<Descriptor> {
    const digest = sha256Digest(bytes);
    const desc = { mediaType, digest, size: bytes.byteLength };
    const head = await this.#request(repo, 'pull,push', `/blobs/${digest}`, { method: 'HEAD' });
    if (head.ok) return desc;
    const start = await this.#request(repo, 'pull,push', '/blobs/uploads/', { method: 'POST' });
    await expectStatus(start, 202, `starting the upload of ${digest}`);
    const location = this.#sameOrigin(repo, start.headers.get('location'), `upload of ${digest}`);
    location.searchParams.set('digest', digest);
    const put = await this.#request(repo, 'pull,push', location, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
    });
    await expectStatus(put, 201, `uploading ${digest}`);
    return desc;
  }

  /** Stores a manifest under a tag or its digest and returns its digest. */
  async putManifest(
    repo: Repository,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<{ digest: string; subjectAware: boolean }> {
    const res = await this.#request(repo, 'pull,push', `/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body: new Uint8Array(bytes),
    });
    await expectStatus(res, 201, `storing manifest ${repo.repository}:${reference}`);
    return { digest: sha256Digest(bytes), subjectAware: res.headers.has('oci-subject') };
  }

  async listTags(repo: Repository): Promise<string[]> {
    const tags: string[] = [];
    let path: string | URL = '/tags/list?n=1000';
    for (let page = 0; page < MAX_TAG_PAGES; page++) {
      const res = await this.#request(repo, 'pull', path, {});
      if (res.status === 404) throw await notFound(res, `${repo.registry}/${repo.repository} does not exist`);
      await expectOk(res, 'tag list');
      const body = parseJson(TagList, await readBounded(res, 'tag list', SMALL_JSON_LIMIT), 'tag list');
      tags.push(...(body.tags ?? []));
      const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '');
      if (!next) return tags;
      path = this.#sameOrigin(repo, next[1], 'tag list');
    }
    return tags;
  }

  /**
   * Referrers of a manifest: the referrers API when the registry has it, else the OCI 1.1 tag-schema
   * fallback (an image index tagged `sha256-<hex>`), which Debian's docker-registry 2.8 needs.
   */
  async referrers(repo: Repository, digest: string, artifactType?: string): Promise<Descriptor[]> {
    const res = await this.#request(repo, 'pull', `/referrers/${digest}`, { headers: { accept: OCI_INDEX } });
    let index: ImageIndex | null;
    if (res.ok && contentType(res) === OCI_INDEX) {
      index = parseJson(ImageIndex, await readBounded(res, 'referrers', this.limits.manifest), 'referrers');
    } else {
      await res.body?.cancel().catch(() => {});
      if (res.status !== 404 && !res.ok) await expectOk(res, 'referrers');
      index = await this.#fallbackIndex(repo, digest);
    }
    const all = index?.manifests ?? [];
    return artifactType ? all.filter((d) => d.artifactType === artifactType) : all;
  }

  /** Pushes an artifact manifest whose `subject` is `subject` and makes it findable as a referrer. */
  async attachReferrer(
    repo: Repository,
    subject: Descriptor,
    artifactType: string,
    blob: Uint8Array,
    annotations: Record<string, string>,
  ): Promise<Descriptor> {
    const config = await this.pushBlob(repo, EMPTY_CONFIG_BYTES, OCI_EMPTY);
    const layer = await this.pushBlob(repo, blob, artifactType);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config,
      layers: [layer],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations,
    };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    const digest = sha256Digest(bytes);
    const { subjectAware } = await this.putManifest(repo, digest, bytes, OCI_MANIFEST);
    const desc: Descriptor = { mediaType: OCI_MANIFEST, digest, size: bytes.byteLength, artifactType, annotations };
    if (!subjectAware) {
      const index = (await this.#fallbackIndex(repo, subject.digest)) ?? {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [],
      };
      if (!index.manifests.some((m) => m.digest === digest)) {
        const updated: ImageIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...index.manifests, desc] };
        await this.putManifest(repo, fallbackTag(subject.digest), new TextEncoder().encode(JSON.stringify(updated)), OCI_INDEX);
      }
    }
    return desc;
  }

  async #fallbackIndex(repo: Repository, digest: string): Promise<ImageIndex | null> {
    const tag = fallbackTag(digest);
    const res = await this.#request(repo, 'pull', `/manifests/${tag}`, { headers: { accept: OCI_INDEX } });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => {});
      return null;
    }
    await expectOk(res, `referrers index ${tag}`);
    if (contentType(res) !== OCI_INDEX) {
      await res.body?.cancel().catch(() => {});
      throw new RegistryError(
        'content-type',
        `referrers index ${tag} has content type "${contentType(res)}", expected ${OCI_INDEX}`,
      );
    }
    return parseJson(
      ImageIndex,
      await readBounded(res, `referrers index ${tag}`, this.limits.manifest),
      `referrers index ${tag}`,
    );
  }

  #sameOrigin(repo: Repository, location: string | null, what: string): URL {
    const base = registryBaseUrl(repo.registry);
    if (!location) throw new RegistryError('protocol', `${what}: the registry sent no Location`);
    const url = new URL(location, base);
    if (url.origin !== new URL(base).origin) {
      throw new RegistryError(
        'protocol',
        `${what}: the registry redirected to another origin (${url.origin}); refusing to send credentials there`,
      );
    }
    return url;
  }

  async #request(repo: Repository, action: Action, path: string | URL, init: RequestInit): Promise<Response> {
    const url = typeof path === 'string' ? `${registryBaseUrl(repo.registry)}/v2/${repo.repository}${path}` : path.toString();
    const key = `${repo.registry}/${repo.repository}#${action}`;
    const send = async (authorization: string | undefined) => {
      const signal = AbortSignal.timeout(this.#timeoutMs);
      let target = new URL(url);
      const origin = target.origin;
      // Redirects are followed by hand: registries send blob downloads to storage hosts, which must
      // never receive the registry token, and must not downgrade to plain http.
      for (let hop = 0; ; hop++) {
        const headers = new Headers(init.headers);
        if (authorization && target.origin === origin) headers.set('authorization', authorization);
        let res: Response;
        try {
          res = await this.#fetch(target, { ...init, headers, signal, redirect: 'manual' });
        } catch (err) {
          throw unreachable(repo.registry, err);
        }
        const location = res.headers.get('location');
        const followable = (init.method ?? 'GET') === 'GET' || init.method === 'HEAD';
        if (!REDIRECTS.has(res.status) || !location || !followable) return res;
        await res.body?.cancel().catch(() => {});
        if (hop >= MAX_REDIRECTS)
          throw new RegistryError('protocol', `${repo.registry} redirected more than ${MAX_REDIRECTS} times`);
        target = new URL(location, target);
        if (target.protocol !== 'https:' && !(target.protocol === 'http:' && isLoopbackRegistry(target.host))) {
          throw new RegistryError('protocol', `${repo.registry} redirected to ${target.origin}, which is not https`);
        }
      }
    };
    let res = await send(this.#auth.get(key));
    if (res.status !== 401) return res;
    await res.body?.cancel().catch(() => {});
    const authorization = await this.#authorize(repo, action, res.headers.get('www-authenticate'));
    this.#auth.set(key, authorization);
    res = await send(authorization);
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel().catch(() => {});
      throw new RegistryError('auth', `${repo.registry} refused access to ${repo.repository} (${action}): HTTP ${res.status}`);
    }
    return res;
  }

  /** Answers a 401 challenge: Basic from the credentials file, or a Bearer token from the challenge's realm. */
  async #authorize(repo: Repository, action: Action, header: string | null): Promise<string> {
    const challenge = parseChallenge(header);
    const creds = this.#credentials(repo.registry);
    if (challenge?.scheme === 'basic') {
      if (!creds) throw new RegistryError('auth', `${repo.registry} needs a login: add it to the registry credentials file`);
      return basic(creds);
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) {
      throw new RegistryError(
        'auth',
        `${repo.registry} asked for an authentication scheme Weld does not support: ${header ?? 'none'}`,
      );
    }
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw new RegistryError('auth', `${repo.registry} sent a bad token realm "${challenge.params.realm}"`);
    }
    // Credentials (and the token request) never travel in clear text to another machine.
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && isLoopbackRegistry(realm.host))) {
      throw new RegistryError('auth', `${repo.registry} sent a token realm that is not https: ${realm.origin}`);
    }
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', `repository:${repo.repository}:${action}`);
    let res: Response;
    try {
      res = await this.#fetch(realm, {
        headers: creds ? { authorization: basic(creds) } : {},
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw unreachable(realm.host, err);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new RegistryError(
        'auth',
        `token service ${realm.origin} refused ${creds ? 'the credentials' : 'anonymous access'}: HTTP ${res.status}`,
      );
    }
    const body = parseJson(TokenResponse, await readBounded(res, 'token response', SMALL_JSON_LIMIT), 'token response');
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError('auth', `token service ${realm.origin} sent no token`);
    return `Bearer ${token}`;
  }
}

const TagList = z.object({ name: z.string(), tags: z.array(z.string()).nullable().optional() });
const TokenResponse = z.object({ token: z.string().min(1).optional(), access_token: z.string().min(1).optional() });

export function fallbackTag(digest: string): string {
  return digest.replace(':', '-');
}

function basic(c: BasicCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

function contentType(res: Response): string {
  return (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

function unreachable(host: string, err: unknown): RegistryError {
  const e = err as { name?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return new RegistryError('unreachable', `registry ${host} did not answer in time`);
  const detail = e.cause?.code ?? e.cause?.message ?? String(err);
  return new RegistryError('unreachable', `cannot reach registry ${host}: ${detail}`);
}

async function errorDetail(res: Response): Promise<string> {
  try {
    const text = Buffer.from(await readBounded(res, 'error body', 64 * 1024)).toString('utf8');
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first) return `${first.code ?? ''} ${first.message ?? ''}`.trim();
    return text.slice(0, 200);
  } catch {
    return '';
  }
}

async function notFound(res: Response, message: string): Promise<RegistryError> {
  await res.body?.cancel().catch(() => {});
  return new RegistryError('not-found', message);
}

async function expectOk(res: Response, what: string): Promise<void> {
  if (res.ok) return;
  const detail = await errorDetail(res);
  throw new RegistryError('protocol', `${what}: registry answered HTTP ${res.status}${detail ? ` (${detail})` : ''}`);
}

async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  if (res.status === status) {
    await res.body?.cancel().catch(() => {});
    return;
  }
  const detail = await errorDetail(res);
  throw new RegistryError('protocol', `${what}: registry answered HTTP ${res.status}${detail ? ` (${detail})` : ''}`);
}
