import { describe, expect, it } from 'vitest';
import { withFastPaths } from './core-fast-paths.js';

describe('withFastPaths', () => {
  const lowered = () => 0n;
  const other = () => 1;

  it('answers the monotonic clock directly, in every 0.2 version', () => {
    for (const version of ['0.2.0', '0.2.10', '0.2.12']) {
      const imports = { [`wasi:clocks/monotonic-clock@${version}`]: { now: lowered, 'subscribe-duration': other } };
      const out = withFastPaths(imports) as Record<string, Record<string, () => unknown>>;
      const clock = out[`wasi:clocks/monotonic-clock@${version}`];
      expect(clock.now).not.toBe(lowered);
      const a = clock.now() as bigint;
      const b = clock.now() as bigint;
      expect(typeof a).toBe('bigint');
      expect(b >= a).toBe(true);
      // Functions with resources stay with the glue.
      expect(clock['subscribe-duration']).toBe(other);
    }
  });

  it('leaves every other import, and the object it was given, as they were', () => {
    const imports = {
      'wasi:clocks/wall-clock@0.2.10': { now: lowered },
      'wasi:clocks/monotonic-clock@0.2.10': { now: lowered },
      env: { f: other },
    };
    const out = withFastPaths(imports) as typeof imports;
    expect(out['wasi:clocks/wall-clock@0.2.10'].now).toBe(lowered);
    expect(out.env).toBe(imports.env);
    expect(imports['wasi:clocks/monotonic-clock@0.2.10'].now).toBe(lowered);
    const untouched = { env: { f: other } };
    expect(withFastPaths(untouched)).toBe(untouched);
    expect(withFastPaths(undefined)).toBeUndefined();
  });
});
