import type { CapabilityKind } from '../events.js';
import { accessIncludes } from './access.js';
import { type FsAnchors, normalizeHostPath, pathMatcher, resolveFsText } from './fs-uri.js';
import {
  type Destination,
  destinationOf,
  inCidr,
  isNonPublic,
  type NetworkRule,
  parseAddress,
  parseNetworkTarget,
  ruleCoversAddress,
  ruleCoversHost,
  SCHEMES,
  type Scheme,
  sameAddress,
} from './network-rules.js';
import { ENV_KEY, type Policy } from './parse.js';
import { HOST_PATHS, type PathRules } from './path-rules.js';
import { SYSTEM_DENY_LABEL, systemDenyGlobs } from './system-paths.js';
import { grantCommand } from './targets.js';
import type { CapabilityChecker, Grant, Verdict } from './types.js';

interface Allow {
  grant: Grant;
  label: string;
}
interface StorageAllow extends Allow {
  match: (path: string) => boolean;
}
interface NetworkAllow extends Allow {
  rule: NetworkRule;
}
interface Deny {
  label: string;
  access: string;
}

/** A component's grants and its policy's promises, compiled once per change so a check is a few comparisons. */
export interface CompiledRules {
  componentId: string;
  storageAllow: StorageAllow[];
  storageDeny: (Deny & { match: (path: string) => boolean })[];
  networkAllow: NetworkAllow[];
  networkDeny: (Deny & { rule: NetworkRule })[];
  envAllow: Map<string, Allow>;
}

export interface CompileInput {
  componentId: string;
  grants: readonly Grant[];
  policy: Policy | null;
  anchors: FsAnchors;
  /** Globs no grant can open: Weld's own data (database, secrets, keys) and other components' workspaces. */
  protectedGlobs: readonly string[];
  /** How the file system compares names (the host's unless a test plays another platform). */
  paths?: PathRules;
}

export function compileRules(input: CompileInput): CompiledRules {
  const rules: CompiledRules = {
    componentId: input.componentId,
    storageAllow: [],
    storageDeny: [],
    networkAllow: [],
    networkDeny: [],
    envAllow: new Map(),
  };
  const paths = input.paths ?? HOST_PATHS;
  const always = (glob: string, label: string) =>
    rules.storageDeny.push({
      match: pathMatcher({ uri: `fs://${glob}`, pattern: glob, base: '/', isGlob: true }, paths),
      access: 'read,write',
      label,
    });
  for (const glob of input.protectedGlobs)
    always(glob, "Weld's own data directory (grants, secrets, audit) is never open to components");
  for (const glob of systemDenyGlobs()) always(glob, SYSTEM_DENY_LABEL);
  for (const d of input.policy?.storage.deny ?? []) {
    const r = resolveFsText(d.uri, input.anchors);
    rules.storageDeny.push({
      match: pathMatcher(r, paths),
      access: d.access,
      label: `the component's policy denies ${d.access} on ${r.uri}`,
    });
  }
  for (const rule of input.policy?.network.deny ?? []) {
    rules.networkDeny.push({ rule, access: '', label: `the component's policy denies ${rule.text}` });
  }
  for (const g of input.grants) {
    const label = grantLabel(g);
    if (g.kind === 'storage') {
      rules.storageAllow.push({ grant: g, label, match: pathMatcher(resolveFsText(g.target, input.anchors), paths) });
    } else if (g.kind === 'network') {
      rules.networkAllow.push({ grant: g, label, rule: parseNetworkTarget(g.target) });
    } else {
      rules.envAllow.set(g.target, { grant: g, label });
    }
  }
  return rules;
}

export function grantLabel(g: Grant): string {
  const what = `${g.kind} ${g.target}${g.access ? ` (${g.access})` : ''}`;
  return `${g.scope} grant ${g.id} by ${g.decidedBy}: ${what}`;
}

export interface CheckerDeps {
  rules: () => CompiledRules;
  now: () => number;
  /** Told when a grant allowed an access, so a once grant without a call can be used up. */
  used?: (g: Grant) => void;
}

export function makeChecker(deps: CheckerDeps): CapabilityChecker {
  const live = (a: Allow) => a.grant.expiresAt === null || a.grant.expiresAt > deps.now();
  const allow = (a: Allow): Verdict => {
    deps.used?.(a.grant);
    return { decision: 'allowed', rule: a.label };
  };
  const deny = (reason: string, command: string): Verdict => ({ decision: 'denied', reason, grantCommand: command });
  const cmd = (kind: CapabilityKind, target: string, access?: string) =>
    grantCommand(deps.rules().componentId, kind, target, access);

  return {
    storage(hostPath, access) {
      const rules = deps.rules();
      let path: string;
      try {
        path = normalizeHostPath(hostPath);
      } catch (err) {
        return deny(`storage: ${(err as Error).message}`, '');
      }
      if (access !== 'read' && access !== 'write') return deny(`storage: unknown access "${access}"`, '');
      for (const d of rules.storageDeny) {
        if (accessIncludes(d.access, access) && d.match(path)) return deny(`${access} of ${path} is refused: ${d.label}`, '');
      }
      for (const a of rules.storageAllow) {
        if (live(a) && accessIncludes(a.grant.access, access) && a.match(path)) return allow(a);
      }
      return { decision: 'ask' };
    },

    network(url, resolvedIp) {
      const rules = deps.rules();
      const d = destinationOf(url);
      const resolved = resolvedIp === undefined ? null : parseAddress(resolvedIp);
      if (resolvedIp !== undefined && !resolved)
        return deny(`network: resolved address "${resolvedIp}" is not an IP address`, '');
      const where = `${d.scheme}://${url.host}`;
      if (!SCHEMES.includes(d.scheme as Scheme)) return deny(`${where}: the ${d.scheme} scheme is not supported`, '');
      if (d.port === null) return deny(`${where}: no port`, '');
      for (const n of rules.networkDeny) {
        if (denyCovers(n.rule, d) || (resolved && denyCoversAddress(n.rule, resolved)))
          return deny(`${where} is refused: ${n.label}`, '');
      }
      const byHost = rules.networkAllow.find((a) => live(a) && ruleCoversHost(a.rule, d));
      if (byHost) {
        const effective = d.addr ?? resolved;
        if (byHost.rule.type === 'name' && effective && isNonPublic(effective)) {
          const byAddr = rules.networkAllow.find((a) => live(a) && ruleCoversAddress(a.rule, effective, d));
          if (byAddr) return allow(byAddr);
          const ip = effective.kind() === 'ipv6' ? `[${effective.toString()}]` : effective.toString();
          return deny(
            `${where} resolves to ${effective.toString()}, a ${effective.range()} address; a granted host name never reaches non-public addresses unless the address itself is granted`,
            cmd('network', d.port === null ? ip : `${ip}:${d.port}`),
          );
        }
        return allow(byHost);
      }
      if (d.name !== null && resolved) {
        const byAddr = rules.networkAllow.find((a) => live(a) && ruleCoversAddress(a.rule, resolved, d));
        if (byAddr) return allow(byAddr);
      }
      return { decision: 'ask' };
    },

    env(key) {
      if (typeof key !== 'string' || !ENV_KEY.test(key)) return deny(`environment: "${String(key)}" is not a valid key`, '');
      const a = deps.rules().envAllow.get(key);
      if (a && live(a)) return allow(a);
      return { decision: 'ask' };
    },
  };
}

/** A deny rule without a scheme or port covers every scheme and port: a promise not to talk to a host at all. */
function denyCovers(rule: NetworkRule, d: Destination): boolean {
  if (rule.type === 'cidr') return d.addr !== null && inCidr(d.addr, rule);
  return ruleCoversHost(rule.scheme === null ? { ...rule, scheme: d.scheme as Scheme } : rule, d);
}

function denyCoversAddress(rule: NetworkRule, addr: NonNullable<Destination['addr']>): boolean {
  if (rule.type === 'cidr') return inCidr(addr, rule);
  return rule.type === 'address' && sameAddress(rule.addr, addr);
}
