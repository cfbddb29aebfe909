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
  /** Preopens. A mount with neither read nor write was requested but not granted: touching it asks. */
  mounts: Mount[];
  /** Absolute host path globs denied even inside a mount: deny wins. */
  denyGlobs: string[];
  /** Globs denied as the paths themselves, without their subtrees (a directory that holds a grantable one). */
  denyExact?: string[];
  /** Granted environment variables with their current values. */
  env: [string, string][];
  limits: { memoryBytes: number; timeoutMs: number };
}

export const DEFAULT_LIMITS = { memoryBytes: 256 * 1024 * 1024, timeoutMs: 30_000 } as const;

/** A guest with nothing granted: no files, no environment, no network; clocks and random only. */
export const EMPTY_PLAN: SandboxPlan = { mounts: [], denyGlobs: [], env: [], limits: { ...DEFAULT_LIMITS } };

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
} as const;
