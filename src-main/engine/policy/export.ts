import { stringify } from 'yaml';
import type { ComponentRecord } from '../store/components.js';
import { type FsAnchors, resolveFsText } from './fs-uri.js';
import { parseNetworkTarget } from './network-rules.js';
import type { Policy } from './parse.js';
import type { Grant } from './types.js';

/**
 * The component's effective permissions as a policy file: what a person granted (stored and session
 * grants), plus the deny rules and limits of the component's own policy. `weld install --policy` of the
 * result on another machine asks for exactly these; it still grants nothing by itself.
 */
export function exportPolicyYaml(input: {
  component: ComponentRecord;
  grants: readonly Grant[];
  policy: Policy | null;
  anchors: FsAnchors;
  at: number;
}): string {
  const { grants, policy } = input;
  const storage = grants.filter((g) => g.kind === 'storage');
  const network = grants.filter((g) => g.kind === 'network');
  const env = grants.filter((g) => g.kind === 'environment');
  const storageDeny = (policy?.storage.deny ?? []).map((d) => ({
    uri: resolveFsText(d.uri, input.anchors).uri,
    access: d.access.split(','),
  }));
  const networkDeny = (policy?.network.deny ?? []).map((r) => (r.type === 'cidr' ? { cidr: r.text } : { host: r.text }));
  // A grant that ends keeps its end in the file (a Weld extension the parser reads back).
  const ends = (g: Grant) => (g.expiresAt === null ? {} : { expires: new Date(g.expiresAt).toISOString() });
  const permissions: Record<string, unknown> = {};
  if (storage.length || storageDeny.length) {
    permissions.storage = {
      ...(storage.length ? { allow: storage.map((g) => ({ uri: g.target, access: g.access.split(','), ...ends(g) })) } : {}),
      ...(storageDeny.length ? { deny: storageDeny } : {}),
    };
  }
  if (network.length || networkDeny.length) {
    permissions.network = {
      ...(network.length
        ? {
            allow: network.map((g) => ({
              ...(parseNetworkTarget(g.target).type === 'cidr' ? { cidr: g.target } : { host: g.target }),
              ...ends(g),
            })),
          }
        : {}),
      ...(networkDeny.length ? { deny: networkDeny } : {}),
    };
  }
  if (env.length) permissions.environment = { allow: env.map((g) => ({ key: g.target, ...ends(g) })) };
  const r = policy?.resources;
  const limits: Record<string, string> = {};
  if (r?.cpu != null) limits.cpu = `${Math.round(r.cpu * 1000)}m`;
  if (r?.memoryBytes != null)
    limits.memory = r.memoryBytes % 1024 ** 2 === 0 ? `${r.memoryBytes / 1024 ** 2}Mi` : String(r.memoryBytes);
  if (r?.timeoutMs != null) limits.timeout = `${r.timeoutMs}ms`;
  if (r?.resultBytes != null) limits.result = String(r.resultBytes);
  if (Object.keys(limits).length) permissions.resources = { limits };
  const doc = {
    version: '1.0',
    description: `Permissions of ${input.component.id} granted in Weld, exported ${new Date(input.at).toISOString()}`,
    permissions,
  };
  return stringify(doc, { lineWidth: 0 });
}
