import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
// Direct modules, not the schema barrel: the worker's start is on the cold path, and the barrel brings
// the docs decoder (zod) and the binary reader, which a worker never needs.
import { resolveExport } from '../../schema/resolve-export.js';
import { classifyGuestError, fromGuestResult, toGuestArgs } from '../../schema/values.js';
import { type ExportedFunction, exportPath } from '../../schema/wit-type.js';
import { workerBridge } from '../host-bridge.js';
import { memoryLedger } from '../memory-limit.js';
import {
  type CallMessage,
  type CallReply,
  type CancelMessage,
  type InitMessage,
  type ModulesMessage,
  NO_CALL,
  type Outcome,
  REPLIES_TAKEN,
  REPLY_COUNT,
  RUNNING_CALL,
  STOP,
} from '../protocol.js';
import { HOST_OPS } from '../sandbox.js';
import { GuestExit } from '../wasi/cli.js';
import { withFastPaths } from '../wasi/core-fast-paths.js';
import { createWasiImports } from '../wasi/host.js';
import { StderrLines } from '../wasi/stderr-lines.js';
import { BoundedCapture } from '../wasi/streams.js';

/**
 * One component instance in its own thread. The engine kills this thread to stop a runaway guest;
 * everything else (traps, exits, bad output) is handled here and reported as an outcome.
 *
 * Between calls the thread sleeps in Atomics.wait on the request flag instead of in its event loop:
 * a futex wake takes microseconds where a message wake-up takes ~80 us, and a guest call is
 * synchronous anyway. The event loop only runs while (re)instantiating, which is asynchronous.
 * The engine may post several calls ahead; they run one after another in the order posted.
 */

const port = parentPort;
if (!port) throw new Error('runtime worker started outside a worker thread');

/**
 * The engine's two start-up messages: the init (which may come long after this thread booted, see
 * worker-pool.ts), then the compiled modules. One listener keeps both, in whatever turn they arrive.
 */
const startup: (InitMessage | ModulesMessage)[] = [];
let arrived = () => {};
const onStartup = (msg: InitMessage | ModulesMessage) => {
  startup.push(msg);
  arrived();
};
port.on('message', onStartup);
async function startupMessage<T extends InitMessage | ModulesMessage>(type: T['type']): Promise<T> {
  for (;;) {
    const i = startup.findIndex((m) => m.type === type);
    if (i >= 0) return startup.splice(i, 1)[0] as T;
    await new Promise<void>((resolve) => {
      arrived = resolve;
    });
  }
}

const { init } = await startupMessage<InitMessage>('init');

// The glue reads process.env on every call (a debug switch). Node's env object answers through a
// native interceptor that costs more than the guest call itself; a plain empty object is free, and the
// worker's environment is empty anyway.
Object.defineProperty(process, 'env', { value: Object.freeze({}), configurable: false, writable: false });

/** The call the guest is running, named on its host calls. */
let current: CallMessage | undefined;
const env: [string, string][] = [...init.plan.env];
const plan = { ...init.plan, env };
const requestFlag = new Int32Array(init.requests.flag);
const replyFlag = new Int32Array(init.replies.flag);
const bridge = workerBridge(
  init.bridge,
  () => current?.callId ?? null,
  () => Atomics.notify(replyFlag, REPLY_COUNT),
);
// Stderr lines go to the engine as they are written (a notice on the bridge, which the engine handles
// before the call's reply), so the calling client reads them while the call runs.
const captures = {
  stdout: new BoundedCapture(init.captureLimit),
  stderr: new StderrLines(new BoundedCapture(init.captureLimit), (line) => bridge.notify(HOST_OPS.stderr, line)),
};
/** Calls taken off the port and not yet run (a cancel can still drop them). */
const queue: CallMessage[] = [];
/** Whether the last call run was the only one the engine had in flight. */
let lastLone = false;
const IDLE_SPIN_MS = 0.6;
const TAKE_MS = 0.1;

type Entry = { fn: ExportedFunction; call: (...args: unknown[]) => unknown };
/** The guest's linear memories, to tell a trap at the memory cap from any other trap. */
const memories: WebAssembly.Memory[] = [];
/** The memory limit is the instance's: a core module instantiated twice brings its memories twice. */
const memoryBudget = memoryLedger(init.plan.limits.memoryBytes);
let entries: Map<string, Entry> | undefined;
let host: ReturnType<typeof createWasiImports> | undefined;

interface Glue {
  instantiate(
    get: (name: string) => WebAssembly.Module,
    imports: object,
    instantiateCore: (module: WebAssembly.Module, imports: WebAssembly.Imports) => Promise<WebAssembly.Instance>,
  ): Promise<Record<string, unknown>>;
}
let glue: Glue | undefined;
let modules: Record<string, WebAssembly.Module> = {};

async function instantiate(): Promise<Map<string, Entry>> {
  // Loaded once at start-up, before the first instantiation; rebuilds reuse it.
  if (!glue) throw new Error('the component glue is not loaded yet');
  const { instantiate } = glue;
  host?.dispose();
  host = createWasiImports(plan, bridge, captures);
  memories.length = 0;
  memoryBudget.reset();
  const exports = await instantiate(
    (name) => {
      const m = modules[name];
      if (!m) throw new Error(`component glue asked for unknown core module ${name}`);
      return m;
    },
    host.imports,
    async (module: WebAssembly.Module, imports: WebAssembly.Imports) => {
      memoryBudget.instantiate(module);
      const instance = await WebAssembly.instantiate(module, withFastPaths(imports));
      for (const e of Object.values(instance.exports)) if (e instanceof WebAssembly.Memory) memories.push(e);
      return instance;
    },
  );
  const map = new Map<string, Entry>();
  for (const fn of init.functions) map.set(exportPath(fn), { fn, call: resolveExport(exports, fn) });
  return map;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function outcomeOf(err: unknown, fn: ExportedFunction): Outcome {
  if (err instanceof GuestExit) return { kind: 'exit', code: err.code };
  // A WIT `result` error is a normal outcome with a payload; anything else is a trap.
  const failure = classifyGuestError(fn, err);
  return failure.isError
    ? { kind: 'error', payload: failure.payload }
    : { kind: 'trap', message: errorMessage(failure.trap) + memoryNote() };
}

/**
 * A guest that runs out of memory usually just traps (StarlingMonkey executes `unreachable`), which
 * says nothing to a person. When a memory is near the cap, say so: that is the likely cause.
 */
function memoryNote(): string {
  const cap = init.plan.limits.memoryBytes;
  const used = Math.max(0, ...memories.map((m) => m.buffer.byteLength));
  if (used < cap * 0.9) return '';
  const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  return ` (its memory had reached ${mib(used)} of its ${mib(cap)} limit; raise resources.limits.memory in its policy if it needs more)`;
}

function guestMemoryBytes(): number {
  let bytes = 0;
  for (const m of memories) bytes += m.buffer.byteLength;
  return bytes;
}

function callSync(live: Map<string, Entry>, msg: CallMessage): Outcome {
  const entry = live.get(msg.export);
  if (!entry) return { kind: 'trap', message: `the component has no export ${msg.export}` };
  try {
    return { kind: 'ok', value: fromGuestResult(entry.fn, entry.call(...toGuestArgs(entry.fn, msg.args))) };
  } catch (err) {
    const outcome = outcomeOf(err, entry.fn);
    // After a trap or an exit the component instance is poisoned: the next call gets a fresh one.
    if (outcome.kind !== 'error') entries = undefined;
    return outcome;
  }
}

function reply(id: number, outcome: Outcome): void {
  const out = captures.stdout.take();
  const errOut = captures.stderr.take();
  const msg: CallReply = {
    type: 'reply',
    id,
    outcome,
    stdout: out.text,
    stderr: errOut.text,
    dropped: out.dropped + errOut.dropped,
    memoryBytes: guestMemoryBytes(),
  };
  init.replies.port.postMessage(msg);
  const before = Atomics.add(replyFlag, REPLY_COUNT, 1);
  // Waking the engine costs more than the call (a futex wake is an IPI on a VM): once per batch.
  if (before === Atomics.load(replyFlag, REPLIES_TAKEN)) Atomics.notify(replyFlag, REPLY_COUNT);
}

function takeMessages(): void {
  for (let m = receiveMessageOnPort(init.requests.port); m; m = receiveMessageOnPort(init.requests.port)) {
    const msg = m.message as CallMessage | CancelMessage;
    if (msg.type === 'call') queue.push(msg);
    else {
      const i = queue.findIndex((c) => c.id === msg.id);
      if (i >= 0) queue.splice(i, 1);
    }
  }
}

/** Serves calls until the instance needs (re)building, which is asynchronous. */
function serve(): void {
  for (;;) {
    if (!entries) {
      rebuild();
      return;
    }
    if (Atomics.exchange(requestFlag, 0, NO_CALL) === STOP) return;
    takeMessages();
    const msg = queue.shift();
    if (!msg) {
      // After a lone call (a client waiting for each answer) the next one usually comes within a
      // client's round trip, and waking a sleeping thread costs 20-40 us on a small VM (an IPI), more
      // than the call: stay awake that long. Measured warm p50 against the baseline on a quiet 2-core
      // VM: 1.9-2x without the spin, 1.1-1.2x with 0.3 ms, 1.0x with 0.6 ms (a stdio round trip).
      // With calls in flight together, sleep at once: a spinning worker takes the core the engine
      // and the client need to keep it fed.
      if (lastLone) idleSpin();
      lastLone = false;
      Atomics.wait(requestFlag, 0, NO_CALL);
      continue;
    }
    lastLone = msg.lone;
    if (msg.env) env.splice(0, env.length, ...msg.env);
    current = msg;
    Atomics.store(replyFlag, RUNNING_CALL, msg.id);
    const outcome = callSync(entries, msg);
    // While `current` still names the call: its last line goes out attributed to it.
    captures.stderr.endCall();
    host?.endCall();
    current = undefined;
    Atomics.store(replyFlag, RUNNING_CALL, 0);
    reply(msg.id, outcome);
  }
}

/**
 * Stays awake for the next call after a lone one (see serve), but only while the engine keeps up: an
 * engine that has not taken the reply in TAKE_MS is not running (on a busy machine it often waits for
 * this very core), and spinning on would only keep it from answering.
 */
function idleSpin(): void {
  const since = performance.now();
  const until = since + IDLE_SPIN_MS;
  for (;;) {
    if (Atomics.load(requestFlag, 0) !== NO_CALL) return;
    const now = performance.now();
    if (now > until) return;
    if (now - since > TAKE_MS && Atomics.load(replyFlag, REPLIES_TAKEN) !== Atomics.load(replyFlag, REPLY_COUNT)) return;
  }
}

function rebuild(): void {
  instantiate().then(
    (live) => {
      entries = live;
      serve();
    },
    (err: unknown) => {
      // Answer the next call with the reason instead of leaving it to time out.
      takeMessages();
      while (!queue.length) {
        Atomics.wait(requestFlag, 0, NO_CALL);
        if (Atomics.exchange(requestFlag, 0, NO_CALL) === STOP) return;
        takeMessages();
      }
      const msg = queue.shift() as CallMessage;
      reply(msg.id, { kind: 'trap', message: `the component failed to start again: ${errorMessage(err)}` });
      rebuild();
    },
  );
}

const started = performance.now();
const compiled = startupMessage<ModulesMessage>('modules').finally(() => port.off('message', onStartup));
// Loading the glue and compiling are Weld's costs; the start deadline covers the guest's own start
// from here on.
Promise.all([import(init.glueUrl) as Promise<Glue>, compiled])
  .then(([g, m]) => {
    glue = g;
    modules = m.modules;
    port.postMessage({ type: 'instantiating' });
    return instantiate();
  })
  .then(
    (live) => {
      entries = live;
      port.postMessage({ type: 'ready', ms: performance.now() - started, memoryBytes: guestMemoryBytes() });
      serve();
    },
    (err: unknown) => port.postMessage({ type: 'init-error', message: errorMessage(err) }),
  );
