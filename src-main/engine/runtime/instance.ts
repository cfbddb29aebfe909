import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import type { ExportedFunction } from '../schema/index.js';
import { type BridgeServer, type HostHandler, serveBridge } from './host-bridge.js';
import {
  CALL_PENDING,
  type CallMessage,
  type CallReply,
  type CancelMessage,
  type InitMessage,
  type ModulesMessage,
  type Outcome,
  REPLIES_TAKEN,
  REPLY_COUNT,
  RUNNING_CALL,
  STOP,
  type WorkerInit,
  type WorkerMessage,
} from './protocol.js';
import type { SandboxPlan } from './sandbox.js';
import { runtimeWorker } from './worker-pool.js';

export interface InstanceSpec {
  componentId: string;
  glueUrl: string;
  /** The compiled core modules (compiled once, then cached by the caller); sent to each new worker. */
  modules: () => Promise<Record<string, WebAssembly.Module>>;
  functions: ExportedFunction[];
  /** Read at every worker start, so new grants apply to the next instance. */
  plan: () => SandboxPlan;
  /** Host operations from the guest (capability requests, HTTP), with the id of the call in progress. */
  onHostCall: (callId: string | null, op: string, payload: unknown) => unknown | Promise<unknown>;
  idleMs: number;
  captureLimit: number;
  /** Growth of the guest's linear memory past its size at start that gets the instance recycled. */
  recycleGrowthBytes?: number;
}

export interface CallOutcome {
  outcome: Outcome | { kind: 'timeout'; ms: number } | { kind: 'cancelled' };
  stdout: string;
  stderr: string;
  dropped: number;
}

/**
 * How the engine waits for a lone call's reply before yielding to the event loop. An event-loop
 * wake-up costs 100-200 us on a busy 2-core VM, more than a warm call: a short spin catches a warm
 * reply in about a microsecond, and past it the engine sleeps on the reply flag (a futex: the worker's
 * notify wakes it in tens of microseconds, and a sleeping engine leaves the core to the worker, which
 * on a loaded machine often shares it). Both are bounded, so a slow tool costs the main thread at most
 * LONE_WAIT_MS. With several calls in flight nobody waits: replies arrive in batches.
 */
const SPIN_MS = 0.05;
const LONE_WAIT_MS = 1;
const START_RETRY_MS = 2000;
const HOLD_POLL_MS = 250;
/**
 * The least time a start gets, whatever the call timeout. Instantiating a large guest (a 12 MB
 * StarlingMonkey component) took 3.5-5 s on a busy 2-core machine: a policy's short call timeout
 * must not make the tool unable to start at all. A start function that spins is still stopped.
 */
const MIN_START_MS = 30_000;
/**
 * A guest's linear memory only grows: the componentize-js `add` example's grows by ~0.4 KiB per call,
 * 80 MiB over 200,000 calls. Past this much growth since its first call the instance is replaced by a
 * fresh one, started beside it while it goes on serving, and swapped in between two calls.
 */
const RECYCLE_GROWTH_BYTES = 8 * 1024 * 1024;
/**
 * ...over at least this many calls: a leak grows the memory in many small steps (the `add` example, a
 * 64 KiB page every ~160 calls), a guest that needs more for a bigger input in a few large ones, and
 * replacing it would only cost a thread start.
 */
const MIN_GROWTHS = 32;

interface PendingCall {
  message: CallMessage;
  resolve: (out: CallOutcome) => void;
  signal: AbortSignal;
  onAbort: () => void;
  /** Sent to the current worker. Posted calls are always the oldest ones. */
  posted: boolean;
}

interface Running {
  worker: Worker;
  ready: Promise<void>;
  isReady: boolean;
  /** REPLY_COUNT, RUNNING_CALL (written by the worker) and REPLIES_TAKEN (by the engine). */
  state: Int32Array;
  replies: MessagePort;
  requests: MessagePort;
  requestFlag: Int32Array;
  /** Stopped on purpose (timeout, cancel, restart, stop): its calls are not failed for it. */
  retired: boolean;
  bridge: BridgeServer;
  /** The restart generation it was started in: a restart retires it once its posted calls are done. */
  generation: number;
  watching: boolean;
  awaitingReady: boolean;
  kickScheduled: boolean;
  /** The guest's linear memory after its first call (0: none yet) and after its last one. */
  baseMemory: number;
  memory: number;
  /** Calls since the first after which the guest's memory was larger than before. */
  growths: number;
}

/**
 * One component instance: a long-lived worker that runs calls one at a time, in order. Calls are
 * posted ahead (the worker finds the next one without a round trip to the engine), so several
 * callers keep it busy while the engine reads and answers requests. A timeout or cancellation
 * terminates the worker (the only way to stop a guest in a loop), and the calls it had not started
 * go to a fresh one; idle workers are reaped to give their memory back.
 */
export class ComponentInstance {
  #running: Running | undefined;
  /** A fresh worker starting up to replace one whose guest memory grew too much. */
  #spare: Running | undefined;
  #recycles = 0;
  /** When a replacement last failed to start: the grown instance serves on meanwhile. */
  #spareFailedAt = Number.NEGATIVE_INFINITY;
  /** Calls not yet answered, oldest first; the first posted one is the one the worker runs. */
  #calls: PendingCall[] = [];
  #idleTimer: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #nextId = 1;
  /** Lone calls since the wait last caught a reply; past a few, waiting only holds the event loop. */
  #waitMisses = 0;
  /** When the oldest posted call got the worker. */
  #headSince = 0;
  /** Time the oldest call spent waiting for a person (finished holds), and the start of one in progress. */
  #heldMs = 0;
  #holds = 0;
  #holdStart = 0;
  /** A failed start, repeated to calls for a moment instead of starting a new worker for each. */
  #startFailure: { message: string; at: number } | undefined;
  #generation = 0;
  #restartWaiters: (() => void)[] = [];

  constructor(readonly spec: InstanceSpec) {}

  /** The running guest's linear memory, and how many times a grown instance was replaced. */
  get guestMemory(): { bytes: number; recycles: number } {
    return { bytes: this.#running?.memory ?? 0, recycles: this.#recycles };
  }

  /** Starts the worker ahead of the first call (at serve start, in parallel with MCP initialize). */
  prewarm(): Promise<void> {
    const r = this.#ensure();
    if (!this.#calls.length) this.#armIdle();
    return r.ready.catch(() => {});
  }

  call(
    exportName: string,
    args: Record<string, unknown>,
    opts: { callId: string; signal: AbortSignal; env?: [string, string][] },
  ): Promise<CallOutcome> {
    if (opts.signal.aborted) return Promise.resolve(empty({ kind: 'cancelled' }));
    if (this.#startFailure && performance.now() - this.#startFailure.at < START_RETRY_MS) {
      return Promise.resolve(empty({ kind: 'trap', message: this.#startFailure.message }));
    }
    clearTimeout(this.#idleTimer);
    return new Promise<CallOutcome>((resolve) => {
      const message: CallMessage = {
        type: 'call',
        id: this.#nextId++,
        callId: opts.callId,
        export: exportName,
        args,
        env: opts.env,
        lone: false,
      };
      const call: PendingCall = { message, resolve, signal: opts.signal, onAbort: () => this.#cancel(call), posted: false };
      opts.signal.addEventListener('abort', call.onAbort, { once: true });
      this.#calls.push(call);
      this.#pump();
    });
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
   * Takes new grants into account: the worker stops once the calls already posted to it have
   * finished, so the next call starts with the current plan. A call held by a capability request is
   * not killed by the grant that answers it.
   */
  restart(): Promise<void> {
    this.#generation++;
    this.#dropSpare();
    const r = this.#running;
    if (!r) return Promise.resolve();
    if (!r.isReady || !this.#calls[0]?.posted) return this.#retire(r);
    return new Promise((resolve) => this.#restartWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    clearTimeout(this.#idleTimer);
    this.#dropSpare();
    const r = this.#running;
    if (!r) return;
    const done = this.#retire(r);
    // The component is going away (unload, shutdown): its unanswered calls end here.
    for (const call of this.#calls.splice(0)) this.#settle(call, empty({ kind: 'trap', message: 'the component stopped' }));
    await done;
  }

  /** Posts every waiting call to the worker, starting one if needed. */
  #pump(): void {
    if (!this.#calls.length) return;
    let r = this.#running;
    if (r && this.#spare?.isReady && !this.#calls[0].posted) {
      // Its replacement is up and no call is on the grown instance: switch now, between two calls.
      this.#recycles++;
      void this.#retire(r);
      r = undefined;
    }
    if (r && r.generation !== this.#generation) {
      // The old plan's calls finish first; #settle pumps again when they have.
      if (this.#calls[0].posted) return;
      void this.#retire(r);
      r = undefined;
    }
    r ??= this.#ensure();
    r.worker.ref();
    if (!r.isReady) {
      this.#whenReady(r);
      return;
    }
    let posted = 0;
    for (const call of this.#calls) {
      if (call.posted) continue;
      if (posted++ === 0 && call === this.#calls[0]) this.#startHead();
      call.posted = true;
      call.message.lone = this.#calls.length === 1;
      r.requests.postMessage(call.message);
    }
    if (!posted) return;
    // A worker that is running a call sees the flag when it finishes. One that sleeps is woken once the
    // requests that arrived together are all posted (#kick): waking a thread costs the engine ~12 us
    // and the worker ~30 us on a small VM, more than the call, so a batch should pay it once. A lone
    // call is a batch of one: its worker is woken at once, and wakes up while the engine finishes
    // reading the request.
    Atomics.store(r.requestFlag, 0, CALL_PENDING);
    if (this.#calls.length === 1) Atomics.notify(r.requestFlag, 0);
    if (!r.kickScheduled) {
      r.kickScheduled = true;
      setImmediate(() => this.#kick(r));
    }
    void this.#watch(r);
  }

  /** Runs after the requests that arrived together have been read and posted (setImmediate). */
  #kick(r: Running): void {
    r.kickScheduled = false;
    if (this.#running !== r) return;
    Atomics.notify(r.requestFlag, 0);
    this.#awaitLone(r);
  }

  /**
   * Waits for a lone call's reply (see LONE_WAIT_MS), once the engine has nothing else to do, so the
   * wait never holds back a request that is already waiting. A host call from the guest wakes the
   * wait too: the engine must serve it from the event loop.
   */
  #awaitLone(r: Running): void {
    if (!this.#calls[0]?.posted || this.#calls[1]?.posted) return;
    // When replies keep arriving after the wait (a slow tool, or a machine so busy the worker waits for
    // a core), skip it, trying again every 32nd call.
    if (this.#waitMisses >= 4 && this.#waitMisses % 32 !== 0) {
      this.#waitMisses++;
      return;
    }
    const seen = Atomics.load(r.state, REPLIES_TAKEN);
    const caught = spinWhile(r.state, seen, SPIN_MS) || sleepWhile(r.state, seen, LONE_WAIT_MS);
    this.#waitMisses = caught ? 0 : this.#waitMisses + 1;
    if (caught) this.#drain(r);
  }

  /** Answers the calls the worker has replied to, while calls are in flight. */
  async #watch(r: Running): Promise<void> {
    if (r.watching) return;
    r.watching = true;
    try {
      while (this.#running === r && this.#calls[0]?.posted) {
        this.#drain(r);
        if (this.#running !== r || !this.#calls[0]?.posted) break;
        const wait = Atomics.waitAsync(r.state, REPLY_COUNT, Atomics.load(r.state, REPLIES_TAKEN));
        if (wait.async) await wait.value;
      }
    } finally {
      r.watching = false;
    }
  }

  #drain(r: Running): void {
    // Published before reading the port: a reply counted after this load either is in the port
    // already or wakes us (the worker compares its count with this one).
    Atomics.store(r.state, REPLIES_TAKEN, Atomics.load(r.state, REPLY_COUNT));
    for (let m = receiveMessageOnPort(r.replies); m; m = receiveMessageOnPort(r.replies)) {
      const reply = m.message as CallReply;
      // Host notices a call posted before its reply belong to it: handle them before it is answered.
      r.bridge.drain();
      this.#checkGrowth(r, reply);
      const i = this.#calls.findIndex((c) => c.message.id === reply.id);
      // Not found: cancelled while the worker had just started it; its result has no taker.
      if (i < 0) continue;
      const [call] = this.#calls.splice(i, 1);
      if (i === 0 && this.#calls[0]?.posted) this.#startHead();
      this.#settle(call, { outcome: reply.outcome, stdout: reply.stdout, stderr: reply.stderr, dropped: reply.dropped });
    }
  }

  #settle(call: PendingCall, out: CallOutcome): void {
    call.signal.removeEventListener('abort', call.onAbort);
    call.resolve(out);
    if (this.#calls[0]?.posted) return;
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
    const r = this.#running;
    if (r && r.generation !== this.#generation && r.isReady) void this.#retire(r);
    if (this.#calls.length) this.#pump();
    else {
      this.#running?.worker.unref();
      this.#armIdle();
    }
  }

  #cancel(call: PendingCall): void {
    if (!this.#calls.includes(call)) return;
    const r = this.#running;
    if (r && call.posted) {
      r.requests.postMessage({ type: 'cancel', id: call.message.id } satisfies CancelMessage);
      this.#drain(r);
      if (!this.#calls.includes(call)) return;
      if (Atomics.load(r.state, RUNNING_CALL) === call.message.id) {
        // Running: stopping the worker is the only way to stop the guest. The calls behind it are no
        // longer posted, so none becomes the head below.
        r.bridge.drain();
        this.#replaceWorker(r);
      }
    }
    const i = this.#calls.indexOf(call);
    this.#calls.splice(i, 1);
    if (i === 0 && this.#calls[0]?.posted) this.#startHead();
    this.#settle(call, empty({ kind: 'cancelled' }));
  }

  #startHead(): void {
    this.#headSince = performance.now();
    this.#heldMs = 0;
    this.#deadline ??= this.#armDeadline(this.spec.plan().limits.timeoutMs);
  }

  #armDeadline(ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#checkDeadline(), ms);
    timer.unref();
    return timer;
  }

  /**
   * The oldest call's deadline, which moves on by the time spent waiting for a person. One timer
   * serves every call: calls that finish in microseconds do not each set one.
   */
  #checkDeadline(): void {
    this.#deadline = undefined;
    const r = this.#running;
    if (!r) return;
    this.#drain(r);
    const head = this.#calls[0];
    if (!head?.posted || this.#deadline) return;
    const timeoutMs = this.spec.plan().limits.timeoutMs;
    const now = performance.now();
    const holding = this.#holds > 0;
    const held = this.#heldMs + (holding ? now - this.#holdStart : 0);
    const left = this.#headSince + timeoutMs + held - now;
    if (left > 0) {
      this.#deadline = this.#armDeadline(holding ? Math.min(left, HOLD_POLL_MS) : left);
      return;
    }
    r.bridge.drain();
    this.#calls.shift();
    // Answer at the deadline; the thread is torn down in the background.
    this.#replaceWorker(r);
    this.#settle(head, empty({ kind: 'timeout', ms: timeoutMs }));
  }

  /** Stops a worker whose guest must not go on; the calls posted behind never started. */
  #replaceWorker(r: Running): void {
    for (const call of this.#calls) call.posted = false;
    void this.#retire(r);
  }

  #whenReady(r: Running): void {
    if (r.awaitingReady) return;
    r.awaitingReady = true;
    r.ready.then(
      () => {
        this.#startFailure = undefined;
        this.#pump();
      },
      (err: Error) => {
        if (r.retired) {
          this.#pump();
          return;
        }
        this.#startFailure = { message: err.message, at: performance.now() };
        for (const call of this.#calls.splice(0)) this.#settle(call, empty({ kind: 'trap', message: err.message }));
      },
    );
  }

  /** The worker died by itself (a crash, an exit of the thread): its running call fails, the rest go on. */
  #onWorkerGone(r: Running, why: string): void {
    if (this.#spare === r) this.#spare = undefined;
    if (this.#running !== r) return;
    this.#running = undefined;
    Atomics.notify(r.state, REPLY_COUNT);
    r.bridge.stop();
    const head = this.#calls[0];
    if (!head?.posted) return;
    this.#calls.shift();
    for (const call of this.#calls) call.posted = false;
    this.#settle(head, empty({ kind: 'trap', message: why }));
  }

  #ensure(): Running {
    if (this.#running) return this.#running;
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare && spare.generation === this.#generation) {
      this.#running = spare;
      return spare;
    }
    if (spare) void this.#kill(spare);
    this.#running = this.#startWorker();
    return this.#running;
  }

  /**
   * The guest's memory after its first call is its working size (a tool that needs 100 MiB takes it
   * at once and keeps it); growth past that, call after call, is a leak. A later call that needs more
   * than the first one did grows it too, but in a step or two, not in many. After a trap or an exit the
   * worker builds a fresh instance by itself: no replacement is needed.
   */
  #checkGrowth(r: Running, reply: CallReply): void {
    if (reply.outcome.kind === 'trap' || reply.outcome.kind === 'exit') {
      this.#dropSpare();
      r.baseMemory = 0;
      r.growths = 0;
      return;
    }
    if (r.baseMemory === 0) r.baseMemory = reply.memoryBytes;
    else if (reply.memoryBytes > r.memory) r.growths++;
    r.memory = reply.memoryBytes;
    // A call that needs a large buffer once grows the memory in one or two steps; a leak, in many.
    if (r.growths >= MIN_GROWTHS && r.memory - r.baseMemory > (this.spec.recycleGrowthBytes ?? RECYCLE_GROWTH_BYTES)) {
      this.#prepareSpare(r);
    }
  }

  /** Starts the replacement of a grown instance, once; #pump swaps it in when it is ready. */
  #prepareSpare(r: Running): void {
    if (this.#spare || this.#running !== r || r.generation !== this.#generation) return;
    if (performance.now() - this.#spareFailedAt < START_RETRY_MS) return;
    const spare = this.#startWorker();
    spare.ready.catch(() => {
      if (!spare.retired) this.#spareFailedAt = performance.now();
    });
    this.#spare = spare;
  }

  #dropSpare(): void {
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare) void this.#kill(spare);
  }

  #startWorker(): Running {
    const plan = this.spec.plan();
    const bridge = new MessageChannel();
    const replies = new MessageChannel();
    const requests = new MessageChannel();
    const requestFlag = new SharedArrayBuffer(4);
    const bridgeFlag = new SharedArrayBuffer(4);
    const replyState = new SharedArrayBuffer(12);
    const init: WorkerInit = {
      componentId: this.spec.componentId,
      glueUrl: this.spec.glueUrl,
      functions: this.spec.functions,
      plan,
      bridge: { port: bridge.port2, flag: bridgeFlag },
      replies: { port: replies.port2, flag: replyState },
      requests: { port: requests.port2, flag: requestFlag },
      captureLimit: this.spec.captureLimit,
    };
    const worker = runtimeWorker();
    worker.postMessage({ type: 'init', init } satisfies InitMessage, [bridge.port2, replies.port2, requests.port2]);
    const handler: HostHandler = (op, payload, callId) => this.spec.onHostCall(callId, op, payload);
    const bridgeServer = serveBridge({ port: bridge.port1, flag: bridgeFlag }, handler);
    bridge.port1.unref();
    const running: Running = {
      worker,
      ready: Promise.resolve(),
      isReady: false,
      state: new Int32Array(replyState),
      replies: replies.port1,
      requests: requests.port1,
      requestFlag: new Int32Array(requestFlag),
      retired: false,
      bridge: bridgeServer,
      generation: this.#generation,
      watching: false,
      awaitingReady: false,
      kickScheduled: false,
      baseMemory: 0,
      memory: 0,
      growths: 0,
    };
    // An error is followed by an exit: the first says why, the second finds the worker already gone.
    worker.on('error', (err) => this.#onWorkerGone(running, `the component's worker crashed: ${err.message}`));
    worker.on('exit', () => this.#onWorkerGone(running, 'the component stopped'));
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
          running.memory = msg.memoryBytes;
          running.isReady = true;
          resolve();
        } else if (msg.type === 'init-error') {
          fail(`the component failed to start: ${msg.message}`);
        }
      };
      worker.on('message', onMessage);
      worker.once('error', (err) => fail(`the component's worker failed: ${err.message}`));
      worker.once('exit', () => fail('the component stopped while starting'));
      // The thread boots while the modules compile (on the first start; later starts find them cached).
      this.spec.modules().then(
        (modules) => worker.postMessage({ type: 'modules', modules } satisfies ModulesMessage),
        (err: Error) => fail(`the component could not be compiled: ${err.message}`),
      );
    });
    running.ready.catch(() => {});
    return running;
  }

  /** Stops a worker on purpose, and answers restart() once a worker of an older plan is gone. */
  async #retire(r: Running): Promise<void> {
    r.retired = true;
    const waiters = r.generation !== this.#generation ? this.#restartWaiters.splice(0) : [];
    await this.#kill(r);
    for (const w of waiters) w();
  }

  async #kill(r: Running): Promise<void> {
    if (this.#running === r) this.#running = undefined;
    if (this.#spare === r) this.#spare = undefined;
    Atomics.notify(r.state, REPLY_COUNT);
    r.bridge.stop();
    Atomics.store(r.requestFlag, 0, STOP);
    Atomics.notify(r.requestFlag, 0);
    r.replies.close();
    r.requests.close();
    await r.worker.terminate();
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => void this.stop(), this.spec.idleMs);
    this.#idleTimer.unref();
  }
}

/** Busy-waits until the worker has posted a reply beyond `seen`, for at most `ms`. */
function spinWhile(state: Int32Array, seen: number, ms: number): boolean {
  const until = performance.now() + ms;
  for (let i = 1; ; i++) {
    if (Atomics.load(state, REPLY_COUNT) !== seen) return true;
    // Reading the clock costs more than the load: look at it now and then.
    if ((i & 63) === 0 && performance.now() > until) return false;
  }
}

/**
 * Sleeps until the worker has posted a reply beyond `seen`, for at most `ms`. A wake-up without a
 * reply (the guest needs the engine for a host call) ends it early.
 */
function sleepWhile(state: Int32Array, seen: number, ms: number): boolean {
  if (Atomics.load(state, REPLY_COUNT) !== seen) return true;
  Atomics.wait(state, REPLY_COUNT, seen, ms);
  return Atomics.load(state, REPLY_COUNT) !== seen;
}

function empty(outcome: CallOutcome['outcome']): CallOutcome {
  return { outcome, stdout: '', stderr: '', dropped: 0 };
}
