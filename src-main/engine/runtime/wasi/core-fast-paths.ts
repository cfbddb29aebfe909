import { monotonicNow } from './clocks.js';

/**
 * Core-level implementations of hot host functions whose canonical ABI is trivial, put in place of
 * jco's lowered import when a core module is instantiated.
 *
 * jco-transpile 0.15 wraps every host import in component-model-async bookkeeping (a task, a subtask,
 * global task lookups) that costs several microseconds a call. StarlingMonkey reads the monotonic clock
 * about seven times per export call, so for a small tool that bookkeeping was most of the call: `add`
 * went from ~45 us to ~11 us a call without it. Only functions with no arguments, no resources and a
 * scalar result belong here: `now: func() -> instant` lowers to a core `() -> i64`, nothing to lift.
 */
const MONOTONIC_CLOCK = /^wasi:clocks\/monotonic-clock@0\.2\.\d+$/;

const monotonic = { now: monotonicNow, resolution: () => 1n };

export function withFastPaths(imports: WebAssembly.Imports | undefined): WebAssembly.Imports | undefined {
  if (!imports) return imports;
  let out: WebAssembly.Imports | undefined;
  for (const [name, fns] of Object.entries(imports)) {
    if (!MONOTONIC_CLOCK.test(name)) continue;
    const patched: Record<string, WebAssembly.ImportValue> = { ...fns };
    for (const fn of Object.keys(monotonic) as (keyof typeof monotonic)[]) if (fn in patched) patched[fn] = monotonic[fn];
    out ??= { ...imports };
    out[name] = patched;
  }
  return out ?? imports;
}
