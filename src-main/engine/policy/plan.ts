import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RequestedCapability } from '../store/components.js';
import { accessIncludes } from './access.js';
import { escapeGlob, type FsAnchors, resolveFsText } from './fs-uri.js';
import type { Policy } from './parse.js';
import { HOST_PATHS } from './path-rules.js';
import { DEFAULT_RESULT_BYTES } from './quantities.js';
import { systemDenyGlobs } from './system-paths.js';
import type { Grant, Mount, SandboxPlan } from './types.js';

export const DEFAULT_MEMORY_BYTES = 256 * 1024 ** 2;
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface PlanInput {
  grants: readonly Grant[];
  requested: readonly RequestedCapability[];
  policy: Policy | null;
  anchors: FsAnchors;
  protectedGlobs: readonly string[];
  /** Denied as themselves only (see protectedDirs). */
  protectedExact?: readonly string[];
  /** The current value of a granted key (secret store first, then Weld's environment), if any. */
  envValue: (key: string) => string | undefined;
}

/**
 * What a component instance's sandbox is built from. Once grants are left out: they belong to one call
 * and are answered by the checker when the runtime asks.
 */
export function buildPlan(input: PlanInput): SandboxPlan {
  const mounts = new Map<string, Mount>();
  const granted: string[] = [];
  for (const g of input.grants) {
    if (g.kind !== 'storage' || g.scope === 'once') continue;
    const r = resolveFsText(g.target, input.anchors);
    // Preopens are directories: a grant of one file mounts its directory; the checker keeps it to that file.
    const file = !r.isGlob && isFile(r.base);
    const base = file ? dirname(r.base) : r.base;
    const m = mounts.get(base) ?? { guestPath: base, hostPath: base, read: false, write: false };
    m.read ||= accessIncludes(g.access, 'read');
    m.write ||= accessIncludes(g.access, 'write');
    // The mount is wider than this grant (one file of the directory, or a glob like `*.md`): the runtime
    // then asks the checker about every path instead of trusting the mount's flags.
    if (file || (r.isGlob && !r.pattern.endsWith('/**'))) m.checkEach = true;
    mounts.set(base, m);
  }
  for (const c of input.requested) {
    if (c.kind !== 'storage' || c.target === '*') continue;
    let base: string;
    try {
      base = resolveFsText(c.target, input.anchors).base;
    } catch {
      continue; // validated at install; a stale record must not stop the component from running
    }
    const underGrant = granted.some((g) => HOST_PATHS.inside(g, base));
    if (!mounts.has(base) && !underGrant) mounts.set(base, { guestPath: base, hostPath: base, read: false, write: false });
  }

  const denyGlobs = [...input.protectedGlobs, ...systemDenyGlobs()];
  const moveGuards: string[] = [];
  for (const d of input.policy?.storage.deny ?? []) {
    const r = resolveFsText(d.uri, input.anchors);
    // Write-only denies are not listed here (the path stays readable); checker.storage enforces them,
    // so every mount gets its paths checked one by one.
    if (!accessIncludes(d.access, 'read')) {
      for (const m of mounts.values()) m.checkEach = true;
      moveGuards.push(r.pattern);
      if (!r.isGlob) moveGuards.push(`${r.pattern === '/' ? '' : r.pattern}/**`);
      continue;
    }
    denyGlobs.push(r.pattern);
    if (!r.isGlob) denyGlobs.push(`${r.pattern === '/' ? '' : r.pattern}/**`);
  }

  const env: [string, string][] = [];
  const keys = new Set(input.grants.filter((g) => g.kind === 'environment' && g.scope !== 'once').map((g) => g.target));
  for (const key of [...keys].sort()) {
    const value = input.envValue(key);
    if (value !== undefined) env.push([key, value]);
  }

  return {
    mounts: [...mounts.values()].sort((a, b) => a.hostPath.localeCompare(b.hostPath)),
    denyGlobs,
    denyExact: [...(input.protectedExact ?? [])],
    moveGuards,
    env,
    limits: {
      memoryBytes: input.policy?.resources.memoryBytes ?? DEFAULT_MEMORY_BYTES,
      ...callTime(input.policy?.resources.timeoutMs ?? DEFAULT_TIMEOUT_MS, input.policy?.resources.cpu ?? null),
      resultBytes: input.policy?.resources.resultBytes ?? DEFAULT_RESULT_BYTES,
    },
  };
}

/**
 * resources.limits.cpu as a time slice per call. A component instance runs on one thread, so it can
 * never use more than one core: `cpu` of 1 or more holds by construction. Below one core, a call may
 * compute for that share of its timeout (500m of 30 s: 15 s), after which its worker is stopped like
 * at a timeout; the call's CPU time is then at most cores x timeout.
 */
function callTime(timeoutMs: number, cores: number | null): Pick<SandboxPlan['limits'], 'timeoutMs' | 'cpu'> {
  if (cores === null || cores >= 1) return { timeoutMs };
  return { timeoutMs: Math.max(1, Math.floor(timeoutMs * cores)), cpu: { cores, timeoutMs } };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Paths no grant can open: Weld's data dir (database, secrets and their key, signing keys, tokens)
 * and the workspaces of other components. The component's own workspace stays reachable.
 */
export function protectedGlobs(dataDir: string, componentId: string): string[] {
  const h = escapeGlob(dataDir.split('\\').join('/').replace(/\/+$/, ''));
  const own = /^[a-z0-9][a-z0-9._-]*$/.test(componentId) ? componentId : null;
  return [
    h,
    `${h}/!(workspaces)`,
    `${h}/!(workspaces)/**`,
    `${h}/workspaces`,
    own ? `${h}/workspaces/!(${own})` : `${h}/workspaces/*`,
    own ? `${h}/workspaces/!(${own})/**` : `${h}/workspaces/**`,
  ];
}

/**
 * The same protection as deny globs for the runtime's filesystem host, which treats a denied directory
 * as denying everything beneath it: so the data dir and its workspaces folder themselves are left out
 * (their other contents stay denied), or the component's own workspace would be unreachable too.
 */
export function protectedSubtrees(dataDir: string, componentId: string): string[] {
  const exact = new Set(protectedDirs(dataDir, componentId));
  return protectedGlobs(dataDir, componentId).filter((g) => !exact.has(g));
}

/** The data dir and its workspaces folder themselves: denied (no listing, no writes), not their subtrees. */
export function protectedDirs(dataDir: string, componentId: string): string[] {
  const [h, , , w] = protectedGlobs(dataDir, componentId);
  return [h, w];
}
