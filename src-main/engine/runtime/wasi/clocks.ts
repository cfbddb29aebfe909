import { Pollable } from './streams.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the worker thread; only a guest's own worker ever sleeps, and its deadline still applies. */
function sleepNs(ns: bigint): void {
  if (ns > 0n) Atomics.wait(sleeper, 0, 0, Math.ceil(Number(ns) / 1e6));
}

function deadlinePollable(deadline: bigint): Pollable {
  return new Pollable(
    () => process.hrtime.bigint() >= deadline,
    () => sleepNs(deadline - process.hrtime.bigint()),
  );
}

/** wasi:clocks: time is not a capability (the guest could count loop iterations anyway). */
export function createClocks() {
  return {
    monotonicClock: {
      now: () => process.hrtime.bigint(),
      resolution: () => 1n,
      subscribeInstant: (when: bigint) => deadlinePollable(when),
      subscribeDuration: (ns: bigint) => deadlinePollable(process.hrtime.bigint() + ns),
    },
    wallClock: {
      now() {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1e6 }),
    },
  };
}
