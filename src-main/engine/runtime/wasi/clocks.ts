import { Pollable } from './streams.js';

/** Nanoseconds on the monotonic clock: wasi:clocks/monotonic-clock's `instant`. */
export const monotonicNow = (): bigint => process.hrtime.bigint();

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the worker thread; only a guest's own worker ever sleeps, and its deadline still applies. */
function sleepNs(ns: bigint): void {
  if (ns > 0n) Atomics.wait(sleeper, 0, 0, Math.ceil(Number(ns) / 1e6));
}

function deadlinePollable(deadline: bigint): Pollable {
  return new Pollable(
    () => monotonicNow() >= deadline,
    () => sleepNs(deadline - monotonicNow()),
  );
}

/** wasi:clocks: time is not a capability (the guest could count loop iterations anyway). */
export function createClocks() {
  return {
    monotonicClock: {
      now: monotonicNow,
      resolution: () => 1n,
      subscribeInstant: (when: bigint) => deadlinePollable(when),
      subscribeDuration: (ns: bigint) => deadlinePollable(monotonicNow() + ns),
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
