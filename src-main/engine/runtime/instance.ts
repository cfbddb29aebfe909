import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { ExportedFunction } from '../schema/index.js';
import { type BridgeServer, type HostHandler, serveBridge } from './host-bridge.js';
import {
  CALL_PENDING,
  type CallMessage,
  type CallReply,
  type Outcome,
  STOP,
  type WorkerInit,
  type WorkerMessage,
} from './protocol.js';
import type { SandboxPlan } from './sandbox.js';
import { workerScript } from './worker-script.js';

export interface InstanceSpec {
  componentId: string;
  glueUrl: string;
  modules: Record<string, WebAssembly.Module>;
  functions: ExportedFunction[];
  /** Read at every worker start, so new grants apply to the next instance. */
  plan: () => SandboxPlan;
  /** Host operations from the guest (capability requests, HTTP), with the id of the call in progress. */
  onHostCall: (callId: string | null, op: string, payload: unknown) => unknown | Promise<unknown>;
  idleMs: number;
  captureLimit: number;
}

export interface CallOutcome {
  outcome: Outcome | { kind: 'timeout'; ms: number } | { kind: 'cancelled' };
  stdout: string;
  stderr: string;
  dropped: number;
}

/** Reply flag states, shared with the worker. */
const WAITING = 0;
const REPLIED = 1;
const KILLED = 2;

/**
 * How long the engine busy-waits for a reply before yielding to the event loop. A warm call answers in
 * tens of microseconds, and an event-loop wake-up costs about 50 us by itself (DESIGN.md), so a short
 * spin halves warm latency; it is bounded so a slow tool costs the main thread at most this much.
 */
const SPIN_NS = 200_000n;
const START_RETRY_MS = 2000;
const HOLD_POLL_MS = 250;
/**
 * The least time a start gets, whatever the call timeout. Instantiating a large guest (a 12 MB
 * StarlingMonkey component) took 3.5-5 s on a busy 2-core machine: a policy's short call timeout
 * must not make the tool unable to start at all. A start function that spins is still stopped.
 */
const MIN_START_MS = 30_000;

interface Running {
  worker: Worker;
  ready: Promise<void>;
  isReady: boolean;
  flag: Int32Array;
  replies: MessagePort;
  requests: MessagePort;
  requestFlag: Int32Array;
  /** Why the worker died, when it crashed rather than being stopped. */
  crash?: string;
  bridge: BridgeServer;
}

/**
 * One component instance: a long-lived worker that runs one call at a time. A timeout or
 * cancellation terminates the worker (the only way to stop a guest in a loop) and the next call
 * starts a fresh one; idle workers are reaped to give their memory back.
 */
export class ComponentInstance {
  #running: Running | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #idleTimer: NodeJS.Timeout | undefined;
  #nextId = 1;
  /** Calls since the spin last caught a reply; past a few, spinning only steals the worker's CPU. */
  #spinMisses = 0;
  #currentCall: string | null = null;
  /** Time the current call spent waiting for a person (finished holds), and the start of one in progress. */
  #heldMs = 0;
  #holds = 0;
  #holdStart = 0;
  /** A failed start, repeated to calls for a moment instead of starting a new worker for each. */
  #startFailure: { message: string; at: number } | undefined;

  constructor(readonly spec: InstanceSpec) {}

  get warm(): boolean {
    return this.#running !== undefined;
  }

  /** Starts the worker ahead of the first call (at serve start, in parallel with MCP initialize). */
  prewarm(): Promise<void> {
    const r = this.#ensure();
    this.#armIdle();
    return r.ready.catch(() => {});
  }

  call(
    exportName: string,
    args: Record<string, unknown>,
    opts: { callId: string; signal: AbortSignal; env?: [string, string][] },
  ): Promise<CallOutcome> {
    const run = this.#queue.then(() => this.#callNow(exportName, args, opts));
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Runs `decision` (a capability request waiting for a person) without charging its time to the
   * current call: the call timeout bounds the guest's own work, and the request has its own timeout.
   */
  async hold<T>(decision: Promise<T>): Promise<T> {
    if (this.#holds++ === 0) this.#holdStart = performance.now();
    try {
      return await decision;
    } finally {
      if (--this.#holds === 0) this.#heldMs += performance.now() - this.#holdStart;
    }
  }

  /**
   * Takes new grants into account: the worker stops once the calls already queued have finished, so
   * the next call starts with the current plan. A call held by a capability request is not killed by
   * the grant that answers it.
   */
  restart(): Promise<void> {
    const done = this.#queue.then(() => this.stop());
    this.#queue = done.catch(() => {});
    return done;
  }

  async stop(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const r = this.#running;
    if (r) await this.#kill(r);
  }

  #ensure(): Running {
    if (this.#running) return this.#running;
    const plan = this.spec.plan();
    const bridge = new MessageChannel();
    const replies = new MessageChannel();
    const requests = new MessageChannel();
    const requestFlag = new SharedArrayBuffer(4);
    const bridgeFlag = new SharedArrayBuffer(4);
    const replyFlag = new SharedArrayBuffer(4);
    const init: WorkerInit = {
      componentId: this.spec.componentId,
      glueUrl: this.spec.glueUrl,
      modules: this.spec.modules,
      functions: this.spec.functions,
      plan,
      bridge: { port: bridge.port2, flag: bridgeFlag },
      replies: { port: replies.port2, flag: replyFlag },
      requests: { port: requests.port2, flag: requestFlag },
      captureLimit: this.spec.captureLimit,
    };
    const script = workerScript();
    const worker = new Worker(script.source, {
      eval: script.eval,
      workerData: init,
      transferList: [bridge.port2, replies.port2, requests.port2],
      // Nothing of Weld's environment reaches a guest unless granted, and guest output never reaches
      // Weld's stdout (the MCP stream): both are cut at the thread boundary.
      env: {},
      stdout: true,
      stderr: true,
    });
    worker.unref();
    const handler: HostHandler = (op, payload) => this.spec.onHostCall(this.#currentCall, op, payload);
    const bridgeServer = serveBridge({ port: bridge.port1, flag: bridgeFlag }, handler);
    bridge.port1.unref();
    const running: Running = {
      worker,
      ready: Promise.resolve(),
      isReady: false,
      flag: new Int32Array(replyFlag),
      replies: replies.port1,
      requests: requests.port1,
      requestFlag: new Int32Array(requestFlag),
      bridge: bridgeServer,
    };
    const wake = (why: string) => {
      running.crash ??= why;
      Atomics.store(running.flag, 0, KILLED);
      Atomics.notify(running.flag, 0);
    };
    worker.on('error', (err) => wake(`the component's worker crashed: ${err.message}`));
    worker.on('exit', () => {
      wake('the component stopped');
      if (this.#running === running) this.#running = undefined;
    });
    running.ready = new Promise<void>((resolve, reject) => {
      // The deadline covers the guest's own start (a start function can spin), not the thread's boot:
      // it starts when the worker's code runs and begins instantiating.
      let timer: NodeJS.Timeout | undefined;
      const fail = (message: string) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        reject(new Error(message));
        void this.#kill(running);
      };
      const onMessage = (msg: WorkerMessage) => {
        if (msg.type === 'instantiating') {
          const startMs = Math.max(plan.limits.timeoutMs, MIN_START_MS);
          timer = setTimeout(() => fail(`the component did not start within ${startMs} ms`), startMs);
        } else if (msg.type === 'ready') {
          clearTimeout(timer);
          worker.off('message', onMessage);
          running.isReady = true;
          resolve();
        } else if (msg.type === 'init-error') {
          fail(`the component failed to start: ${msg.message}`);
        }
      };
      worker.on('message', onMessage);
      worker.once('error', (err) => fail(`the component's worker failed: ${err.message}`));
      worker.once('exit', () => fail('the component stopped while starting'));
    });
    running.ready.catch(() => {});
    this.#running = running;
    return running;
  }

  async #kill(r: Running): Promise<void> {
    if (this.#running === r) this.#running = undefined;
    r.crash ??= 'stopped';
    Atomics.store(r.flag, 0, KILLED);
    Atomics.notify(r.flag, 0);
    r.bridge.stop();
    Atomics.store(r.requestFlag, 0, STOP);
    Atomics.notify(r.requestFlag, 0);
    r.replies.close();
    r.requests.close();
    await r.worker.terminate();
  }

  async #callNow(
    exportName: string,
    args: Record<string, unknown>,
    opts: { callId: string; signal: AbortSignal; env?: [string, string][] },
  ): Promise<CallOutcome> {
    clearTimeout(this.#idleTimer);
    if (opts.signal.aborted) return empty({ kind: 'cancelled' });
    if (this.#startFailure && performance.now() - this.#startFailure.at < START_RETRY_MS) {
      return empty({ kind: 'trap', message: this.#startFailure.message });
    }
    const r = this.#ensure();
    const timeoutMs = this.spec.plan().limits.timeoutMs;
    this.#currentCall = opts.callId;
    this.#heldMs = 0;
    const onAbort = () => void this.#kill(r);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    // Nothing else may keep Node alive while a call runs (`weld call`): a pending waitAsync does not.
    r.worker.ref();
    try {
      if (!r.isReady) {
        try {
          await r.ready;
          this.#startFailure = undefined;
        } catch (err) {
          this.#startFailure = { message: (err as Error).message, at: performance.now() };
          throw err;
        }
      }
      const id = this.#nextId++;
      const started = performance.now();
      Atomics.store(r.flag, 0, WAITING);
      const msg: CallMessage = { type: 'call', id, export: exportName, args, env: opts.env };
      r.requests.postMessage(msg);
      Atomics.store(r.requestFlag, 0, CALL_PENDING);
      Atomics.notify(r.requestFlag, 0);
      // Spin while it pays: when replies keep arriving after the spin window (a slow tool, or a machine
      // so busy the worker waits for a core), skip it, trying again every 32nd call.
      const trySpin = this.#spinMisses < 4 || this.#spinMisses % 32 === 0;
      let state = trySpin ? spin(r.flag) : Atomics.load(r.flag, 0);
      if (trySpin) this.#spinMisses = state === WAITING ? this.#spinMisses + 1 : 0;
      else this.#spinMisses++;
      if (state === WAITING) state = await this.#awaitReply(r, started, timeoutMs);
      if (state === REPLIED) {
        const reply = receiveMessageOnPort(r.replies)?.message as CallReply | undefined;
        if (reply?.id === id)
          return { outcome: reply.outcome, stdout: reply.stdout, stderr: reply.stderr, dropped: reply.dropped };
        return empty({ kind: 'trap', message: 'the component sent no reply' });
      }
      if (state === WAITING) {
        r.bridge.drain();
        // Answer at the deadline; the thread is torn down in the background (the next call gets a new one).
        void this.#kill(r);
        return empty({ kind: 'timeout', ms: timeoutMs });
      }
      if (opts.signal.aborted) return empty({ kind: 'cancelled' });
      return empty({ kind: 'trap', message: r.crash ?? 'the component stopped' });
    } catch (err) {
      return empty({ kind: 'trap', message: err instanceof Error ? err.message : String(err) });
    } finally {
      r.worker.unref();
      // Audit notices this call posted and the event loop has not delivered yet belong to it.
      if (this.#running === r) r.bridge.drain();
      opts.signal.removeEventListener('abort', onAbort);
      this.#currentCall = null;
      this.#armIdle();
    }
  }

  /** Waits for the reply until the deadline, which moves on by the time spent waiting for a person. */
  async #awaitReply(r: Running, started: number, timeoutMs: number): Promise<number> {
    for (;;) {
      const state = Atomics.load(r.flag, 0);
      if (state !== WAITING) return state;
      const now = performance.now();
      const holding = this.#holds > 0;
      const held = this.#heldMs + (holding ? now - this.#holdStart : 0);
      const left = started + timeoutMs + held - now;
      if (left <= 0) return state;
      // While a person decides, the deadline moves: wake now and then to see where it is.
      const wait = Atomics.waitAsync(r.flag, 0, WAITING, holding ? Math.min(left, HOLD_POLL_MS) : left);
      if (wait.async) await wait.value;
    }
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => void this.stop(), this.spec.idleMs);
    this.#idleTimer.unref();
  }
}

function spin(flag: Int32Array): number {
  const until = process.hrtime.bigint() + SPIN_NS;
  let state = Atomics.load(flag, 0);
  while (state === WAITING && process.hrtime.bigint() < until) state = Atomics.load(flag, 0);
  return state;
}

function empty(outcome: CallOutcome['outcome']): CallOutcome {
  return { outcome, stdout: '', stderr: '', dropped: 0 };
}
