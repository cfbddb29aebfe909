import type { RequestedCapability } from '../store/components.js';
import { expiryKey, type Policy } from './parse.js';

type Kind = RequestedCapability['kind'];

/** WIT import interfaces that reach outside the sandbox, by the capability kind they need. */
const IMPORT_KINDS: readonly [RegExp, Kind][] = [
  [/^wasi:filesystem\//, 'storage'],
  [/^wasi:http\/outgoing-handler\b/, 'network'],
  [/^wasi:sockets\/(tcp|udp|ip-name-lookup|tcp-create-socket|udp-create-socket|network|instance-network)\b/, 'network'],
  [/^wasi:cli\/environment\b/, 'environment'],
  [/^wasi:config\/(store|runtime)\b/, 'environment'],
];

/**
 * What a component asks for: its policy's allow entries, plus one `*` entry for every kind its WIT
 * imports can use but its policy does not list (so a person sees "reads environment variables" even when
 * the author wrote no policy). Deny entries are promises, not requests, and are not listed.
 */
export function requestedCapabilities(policy: Policy | null, witImports: string[]): RequestedCapability[] {
  const out: RequestedCapability[] = [];
  if (policy) {
    for (const e of policy.storage.allow) out.push({ kind: 'storage', target: e.uri, access: e.access, source: 'policy' });
    for (const r of policy.network.allow) out.push({ kind: 'network', target: r.text, source: 'policy' });
    for (const key of policy.environment.allow) out.push({ kind: 'environment', target: key, source: 'policy' });
  }
  const listed = new Set(out.map((c) => c.kind));
  const implied = new Set<Kind>();
  for (const imp of witImports) {
    for (const [re, kind] of IMPORT_KINDS) if (re.test(imp)) implied.add(kind);
  }
  for (const kind of ['storage', 'network', 'environment'] as const) {
    if (implied.has(kind) && !listed.has(kind))
      out.push({ kind, target: '*', ...(kind === 'storage' ? { access: 'read,write' } : {}), source: 'wit' });
  }
  return dedupe(out).map((c) => {
    const expiresAt = policy?.expires[expiryKey(c.kind, c.target)];
    return expiresAt === undefined ? c : { ...c, expiresAt };
  });
}

function dedupe(caps: RequestedCapability[]): RequestedCapability[] {
  const seen = new Set<string>();
  return caps.filter((c) => {
    const k = `${c.kind}\0${c.target}\0${c.access ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
