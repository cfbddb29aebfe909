import { RegistryError } from './errors.js';

export interface OciReference {
  /** host or host:port, lower case, as used in URLs and credential lookups. */
  registry: string;
  repository: string;
  tag: string | null;
  digest: string | null;
}

// Grammar from the OCI distribution spec and docker/distribution's reference package.
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const REPO_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Parses `oci://host[:port]/repo[:tag][@sha256:hex]` strictly: no user info, query, fragment,
 * upper-case repository or other digest algorithms. Without tag or digest the tag is `latest`.
 */
export function parseReference(input: string): OciReference {
  const fail = (why: string): never => {
    throw new RegistryError('bad-reference', `invalid OCI reference "${input}": ${why}`);
  };
  if (typeof input !== 'string' || input.length > 1024) fail('too long');
  if (!input.startsWith('oci://')) fail('must start with oci://');
  const rest = input.slice('oci://'.length);
  if (/[\s?#\\]/.test(rest)) fail('whitespace, "?", "#" and "\\" are not allowed');
  const slash = rest.indexOf('/');
  if (slash <= 0) fail('expected oci://host/repository');
  const registry = rest.slice(0, slash);
  let path = rest.slice(slash + 1);
  if (registry.includes('@')) fail('credentials do not belong in the reference; use the credentials file');
  const hostPort = /^(\[::1\]|[^:]+)(?::(\d{1,5}))?$/.exec(registry);
  if (!hostPort) fail(`bad registry host "${registry}"`);
  const [, host, port] = hostPort as RegExpExecArray;
  if (host !== '[::1]' && !HOST.test(host)) fail(`bad registry host "${host}" (lower-case host names only)`);
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) fail(`bad port ${port}`);

  let digest: string | null = null;
  const at = path.indexOf('@');
  if (at >= 0) {
    digest = path.slice(at + 1);
    path = path.slice(0, at);
    if (!DIGEST.test(digest)) fail('digest must be sha256: followed by 64 lower-case hex digits');
  }
  let tag: string | null = null;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) fail(`bad tag "${tag}"`);
  }
  if (path.length === 0 || path.length > 255) fail('repository must be 1-255 characters');
  for (const part of path.split('/')) {
    if (!REPO_COMPONENT.test(part)) fail(`bad repository path component "${part}" (lower-case letters, digits, . _ -)`);
  }
  if (!tag && !digest) tag = 'latest';
  return { registry, repository: path, tag, digest };
}

export function formatReference(ref: OciReference): string {
  return `oci://${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The same artifact pinned by digest, tag dropped: what gets recorded at install. */
export function pinnedReference(ref: OciReference, digest: string): string {
  return `oci://${ref.registry}/${ref.repository}@${digest}`;
}

export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0];
  return LOOPBACK_HOSTS.has(host);
}

/** Plain http only for a registry on this machine; everything else must be https. */
export function registryBaseUrl(registry: string): string {
  return `${isLoopbackRegistry(registry) ? 'http' : 'https'}://${registry}`;
}
