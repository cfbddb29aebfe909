import type { CapabilityKind } from '../events.js';

export type GrantScope = 'once' | 'session' | 'always';
export type Answer = 'once' | 'session' | 'always' | 'deny';

/** The policy builds the sandbox the runtime enforces: one definition of it, the runtime's. */
export type { Mount, SandboxPlan } from '../runtime/sandbox.js';

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
  /**
   * The code (and signer) the person granted this to. New code under the same id finds the grant
   * suspended until a person re-approves it; null never matches.
   */
  digest: string | null;
  signer: string | null;
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

/**
 * A way to reach a person about a held call besides Weld's own deciders (window, `weld requests watch`).
 * Its answers come back through PolicyEngine.decide, where the first answer wins.
 */
export interface PromptChannel {
  /** Whether a person can be asked about this call through the channel (it then counts as someone present). */
  reaches(callId: string | null): boolean;
  /** When it cannot reach anyone for this call but could be set up to: how, in a few words. */
  hint(callId: string | null): string | null;
  /** Asks about a held call's request; must not throw or block. */
  ask(request: PendingRequest): void;
}
