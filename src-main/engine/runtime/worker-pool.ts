import { Worker } from 'node:worker_threads';
import { workerScript } from '../worker-script.js';

/**
 * Component threads can boot before they know their component. A thread's boot (a Node environment and
 * the runtime's own code, 150-300 ms on a 2-core VM) is the longest step of a cold start and needs nothing
 * from the engine, so `weld serve` boots one first thing, while it loads the engine and opens the store;
 * the first component instance to start takes it and sends it its component (InitMessage).
 */
let booted: Worker | undefined;

export function prebootRuntimeWorker(): void {
  if (!booted || gone(booted)) booted = spawn();
}

/**
 * The worker's own JavaScript heap: the glue, WASI host objects and whatever a guest makes the host
 * hold for it (header sets, bodies, directory listings). Linear memory is capped separately
 * (memory-limit.ts) and is not part of this. Past it Node ends the thread with
 * ERR_WORKER_OUT_OF_MEMORY, which fails the call and leaves Weld running.
 */
export const RUNTIME_WORKER_LIMITS = { maxOldGenerationSizeMb: 192 } as const;

/** A thread waiting for its InitMessage: the pre-booted one if there is one, else a new one. */
export function runtimeWorker(): Worker {
  const worker = booted;
  booted = undefined;
  return worker && !gone(worker) ? worker : spawn();
}

/** Stops a pre-booted thread that no component took (nothing installed). */
export function discardPrebooted(): void {
  const worker = booted;
  booted = undefined;
  void worker?.terminate();
}

function spawn(): Worker {
  const script = workerScript('runtime-worker');
  const worker = new Worker(script.source, {
    eval: script.eval,
    // Nothing of Weld's environment reaches a guest unless granted, and guest output never reaches
    // Weld's stdout (the MCP stream): both are cut at the thread boundary.
    env: {},
    stdout: true,
    stderr: true,
    resourceLimits: RUNTIME_WORKER_LIMITS,
  });
  worker.unref();
  return worker;
}

/** A thread that has exited (its id is -1 from then on). */
const gone = (worker: Worker): boolean => worker.threadId === -1;
