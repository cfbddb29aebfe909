/**
 * What one component instance may touch, decided by the policy layer and handed to its worker.
 * Plain data (structured-clonable): the worker never sees grants, only their effect.
 */
export interface Mount {
  /** The directory name the guest sees in wasi:filesystem/preopens. */
  guestPath: string;
  /** Absolute host directory behind it. */
  hostPath: string;
  read: boolean;
  /** Write covers create, truncate, delete, rename and link inside the mount. */
  write: boolean;
  /**
   * The grants do not cover the whole directory alike (a glob such as /notes/*.md, a write-only
   * deny): read/write is then only the ceiling, and each path is put to the engine (HOST_OPS.request
   * with that path as target), which answers from the grants and asks a person only where none decides.
   */
  checkEach?: boolean;
}

export interface SandboxPlan {
  /**
   * Preopens: one per granted directory (read/write as granted), plus one per requested-but-not-granted
   * directory with neither: touching it raises a just-in-time request instead of it being invisible.
   */
  mounts: Mount[];
  /** Absolute host path globs denied even inside a mount: deny wins. */
  denyGlobs: string[];
  /** Globs denied as the paths themselves, without their subtrees (a directory that holds a grantable one). */
  denyExact?: string[];
  /**
   * Deny globs for writing only (the checker enforces them path by path): a directory beneath which
   * one of these, or of denyGlobs, could match may not be renamed, or its contents would leave the rule.
   */
  moveGuards?: string[];
  /** Granted keys with their current values (secret store first, then Weld's environment). */
  env: [string, string][];
  /**
   * timeoutMs is what a call may run. With a policy's resources.limits.cpu below one core it is that
   * share of the policy's timeout, and `cpu` says so: an instance runs on one thread, so it never
   * uses more than one core, and its compute per call is bounded to cores x timeout.
   * resultBytes: the largest result a call may return, as serialized JSON (DEFAULT_RESULT_BYTES when absent).
   */
  limits: { memoryBytes: number; timeoutMs: number; resultBytes?: number; cpu?: { cores: number; timeoutMs: number } };
}

export type CapabilityKind = 'storage' | 'network' | 'environment';

/** Worker -> engine host operations (see host-bridge.ts). */
export interface CapabilityRequest {
  kind: CapabilityKind;
  target: string;
  access: string;
}
export type CapabilityAnswer = { decision: 'allowed' } | { decision: 'denied'; reason: string };

export interface CapabilityUse extends CapabilityRequest {
  decision: 'allowed' | 'denied';
  /** Why a denial happened (a security rule), for the person reading the tool result. */
  reason?: string;
  /**
   * The refusal follows a just-in-time answer: the engine has already announced that decision (and
   * the result note carries its reason), so only the use itself is recorded.
   */
  asked?: boolean;
}

export interface HttpRequestPayload {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array | null;
  /** The guest's request-options; they can only shorten the engine's own limits. */
  timeouts?: { connectMs?: number; firstByteMs?: number; betweenBytesMs?: number };
}
export interface HttpResponsePayload {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

export const HOST_OPS = {
  /** Sync: a guest touched something its plan does not allow; the engine asks a person or denies. */
  request: 'capability.request',
  /** Async: an access that was checked and performed (or denied) inside the worker, for the audit. */
  used: 'capability.used',
  /** Sync: an outgoing HTTP request, checked and performed by the engine. */
  http: 'http.request',
  /** Async: a line the guest wrote on stderr during a call, for the client that made the call. */
  stderr: 'guest.stderr',
} as const;
