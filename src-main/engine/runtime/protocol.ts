import type { ExportedFunction } from '../schema/index.js';
import type { BridgeChannel } from './host-bridge.js';
import type { SandboxPlan } from './sandbox.js';

/**
 * What a worker needs to run one component instance, sent in an InitMessage (a thread may have booted
 * before its component was known: worker-pool.ts). Structured-clonable. The compiled modules come after
 * it, in a ModulesMessage: the thread boots while the engine compiles them.
 */
export interface WorkerInit {
  componentId: string;
  /** file: URL of the transpiled glue (component.js). */
  glueUrl: string;
  functions: ExportedFunction[];
  plan: SandboxPlan;
  bridge: BridgeChannel;
  /** Calls: posted on the port, then signalled on the flag the worker sleeps on. */
  requests: BridgeChannel;
  /**
   * Call replies: posted on the port, then signalled on the flag (the engine may be spinning on it).
   * The flag's buffer holds REPLY_COUNT, RUNNING_CALL and REPLIES_TAKEN.
   */
  replies: BridgeChannel;
  /** Bytes of stdout and of stderr kept per call. */
  captureLimit: number;
}

export interface InitMessage {
  type: 'init';
  init: WorkerInit;
}

/** Core modules by the file name the glue asks for, compiled once by the engine with the memory cap. */
export interface ModulesMessage {
  type: 'modules';
  modules: Record<string, WebAssembly.Module>;
}

/** Request flag states. */
export const NO_CALL = 0;
export const CALL_PENDING = 1;
export const STOP = 2;

/**
 * Slots of the reply flag: replies posted so far, the id of the call the guest is running (0: none),
 * and the reply count the engine has taken in. The worker wakes the engine only for the first reply
 * it has not taken in yet: the engine takes in every reply there is when it wakes.
 */
export const REPLY_COUNT = 0;
export const RUNNING_CALL = 1;
export const REPLIES_TAKEN = 2;

export interface CallMessage {
  type: 'call';
  id: number;
  /** The call's id in the call log, carried on the guest's host calls. */
  callId: string;
  /** ToolDescriptor.export: `fn` or `iface#fn`. */
  export: string;
  args: Record<string, unknown>;
  /** Granted environment, re-read by the engine for each call. */
  env?: [string, string][];
  /** No other call to this instance was waiting for an answer when it was posted. */
  lone: boolean;
}

export type Outcome =
  | { kind: 'ok'; value: unknown }
  /** The guest returned a WIT `result` error: a normal tool error with its payload. */
  | { kind: 'error'; payload: unknown }
  /** The guest called wasi:cli/exit. */
  | { kind: 'exit'; code: number }
  /** The guest trapped (unreachable, out of memory, stack overflow) or the host rejected something. */
  | { kind: 'trap'; message: string };

/** A call the engine no longer wants: dropped if the worker has not started it. */
export interface CancelMessage {
  type: 'cancel';
  id: number;
}

export interface CallReply {
  type: 'reply';
  id: number;
  outcome: Outcome;
  stdout: string;
  stderr: string;
  /** Bytes of output beyond the capture limit that were dropped. */
  dropped: number;
  /** Bytes of linear memory the guest holds after the call (a guest's heap never shrinks). */
  memoryBytes: number;
}

export type WorkerMessage =
  | { type: 'instantiating' }
  | { type: 'ready'; ms: number; memoryBytes: number }
  | { type: 'init-error'; message: string }
  | CallReply;
