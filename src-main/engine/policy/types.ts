import type { CapabilityKind } from '../events.js';

export type GrantScope = 'once' | 'session' | 'always';
export type Answer = 'once' | 'session' | 'always' | 'deny';

export interface Mount {
  guestPath: string;
  hostPath: string;
  read: boolean;
  write: boolean;
  /** Each path is put to the checker (the mount is wider than the grant behind it). */
  checkEach?: boolean;
}

export interface SandboxPlan {
  /**
   * One preopen per granted directory (read/write as granted), plus one per requested-but-not-granted
   * directory with read=false, write=false: touching it raises a just-in-time request instead of the
   * directory being invisible.
   */
  mounts: Mount[];
  /** Absolute host path globs (picomatch, dot: true) denied for every access even inside a mount. */
  denyGlobs: string[];
  /** Globs denied as the paths themselves, without their subtrees (a directory that holds a grantable one). */
  denyExact?: string[];
  /** Granted keys with their current values (secret store first, then Weld's environment). */
  env: [string, string][];
  limits: { memoryBytes: number; timeoutMs: number };
}

export type Verdict =
  | { decision: 'allowed'; rule: string }
  | { decision: 'denied'; reason: string; grantCommand: string }
  | { decision: 'ask' };

export interface CapabilityChecker {
  storage(hostPath: string, access: 'read' | 'write'): Verdict;
  /**
   * Scheme, host and port rules, and the resolved address against address/cidr rules: a granted NAME
   * that resolves to a loopback/private/link-local address is denied unless that address is granted.
   */
  network(url: URL, resolvedIp?: string): Verdict;
  env(key: string): Verdict;
}

export interface Grant {
  /** `g<n>` for stored grants; `s-...` and `o-...` for session and once grants, which live in memory. */
  id: string;
  componentId: string;
  kind: CapabilityKind;
  /** Canonical target: `fs:///abs/glob`, `host[:port]`, a cidr, or an environment key. */
  target: string;
  /** Storage only: 'read' | 'write' | 'read,write'; '' otherwise. */
  access: string;
  scope: GrantScope;
  decidedBy: string;
  decidedAt: number;
  expiresAt: number | null;
  /** Once grants: the call they belong to (null: the next call that uses it). */
  callId: string | null;
}

export interface GrantInput {
  componentId: string;
  kind: CapabilityKind;
  target: string;
  access?: string;
  scope?: GrantScope;
  expiresAt?: number | null;
  by: string;
  callId?: string | null;
}

export interface RevokeInput {
  componentId: string;
  kind: CapabilityKind;
  target: string;
  /** Storage: take away only this access, keeping the rest. */
  access?: string;
  by: string;
}

export type RequestOrigin = 'runtime' | 'mcp';
export type RequestStatus = 'pending' | 'allowed' | 'denied' | 'expired';

export interface PendingRequest {
  id: string;
  componentId: string;
  callId: string | null;
  kind: CapabilityKind;
  target: string;
  access: string;
  /** runtime: a guest touched it during a call (held); mcp: asked for through a management tool. */
  origin: RequestOrigin;
  requestedBy: string;
  requestedAt: number;
  expiresAt: number;
  status: RequestStatus;
  scope: GrantScope | null;
  decidedBy: string | null;
  decidedAt: number | null;
  /** The scope `weld requests allow` uses when none is given. */
  suggestedScope: GrantScope;
}

export interface RuntimeRequest {
  componentId: string;
  callId: string | null;
  kind: CapabilityKind;
  target: string;
  access: string;
}
