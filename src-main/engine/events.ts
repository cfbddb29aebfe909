import { EventEmitter } from 'node:events';

/** `invalid`: refused before it ran, its arguments did not fit the tool's schema. */
export const CALL_STATUSES = ['ok', 'error', 'denied', 'invalid', 'timeout', 'cancelled'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];
export type CapabilityKind = 'storage' | 'network' | 'environment';
export type Decision = 'allowed' | 'denied';

/** The closed list of things the engine tells the outside world (GUI live log, tray, telemetry). */
export interface WeldEvents {
  'call.started': { callId: string; tool: string; componentId: string | null; client: string | null; at: number };
  'call.finished': {
    callId: string;
    tool: string;
    componentId: string | null;
    client: string | null;
    status: CallStatus;
    durationUs: number;
    error: string | null;
  };
  'capability.requested': {
    requestId: string;
    callId: string | null;
    componentId: string;
    kind: CapabilityKind;
    target: string;
    access: string;
  };
  'capability.decided': {
    requestId: string | null;
    callId: string | null;
    componentId: string;
    kind: CapabilityKind;
    target: string;
    decision: Decision;
    by: string;
  };
  'components.changed': { componentId: string; change: 'installed' | 'removed' | 'updated' | 'enabled' | 'disabled' };
  'grants.changed': { componentId: string };
  /** A load request (an MCP client asking to install a component) was made or answered. */
  'loads.changed': { requestId: string };
}

export type WeldEventName = keyof WeldEvents;

/**
 * A typed wrapper over EventEmitter. One instance per engine, created by the composition root,
 * so tests get their own bus instead of sharing a global one.
 */
export class EventBus {
  readonly #emitter = new EventEmitter({ captureRejections: false });
  #held = new Set<WeldEventName>();
  #defer: (deliver: () => void) => void = (deliver) => deliver();

  constructor() {
    // The GUI, SSE streams and telemetry each subscribe; more than 10 listeners is normal here.
    this.#emitter.setMaxListeners(0);
  }

  emit<K extends WeldEventName>(name: K, payload: WeldEvents[K]): void {
    if (this.#held.has(name)) this.#defer(() => this.#emitter.emit(name, payload));
    else this.#emitter.emit(name, payload);
  }

  /**
   * Events that announce a recorded row (a finished call, a capability decision, an install) are
   * delivered through `defer`, which the composition root points at the recorder: the live log,
   * metrics and telemetry then never show something a crash could still take out of the store.
   */
  holdUntilRecorded(names: readonly WeldEventName[], defer: (deliver: () => void) => void): void {
    this.#held = new Set(names);
    this.#defer = defer;
  }

  on<K extends WeldEventName>(name: K, listener: (payload: WeldEvents[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }

  hasListeners(name: WeldEventName): boolean {
    return this.#emitter.listenerCount(name) > 0;
  }
}
