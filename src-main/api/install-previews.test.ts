import { describe, expect, it } from 'vitest';
import type { InstallSource } from '../engine/runtime/install.js';
import { InstallPreviews } from './install-previews.js';

const source = (name: string): InstallSource => ({
  bytes: new Uint8Array(8),
  sourceRef: `upload:${name}`,
  name,
  policyYaml: null,
  signatureStatus: 'local',
  publisher: null,
});

describe('install previews', () => {
  it('keeps what was shown until it is used, and forgets it after the time limit', () => {
    let now = 0;
    const previews = new InstallPreviews({ ttlMs: 1000, now: () => now });
    const id = previews.add(source('a.wasm'), 'sha256:a');
    expect(previews.get(id)?.digest).toBe('sha256:a');
    now = 1001;
    expect(previews.get(id)).toBeUndefined();
  });

  it('holds only a few at a time, dropping the oldest, so uploads cannot pile up in memory', () => {
    const previews = new InstallPreviews({ max: 2 });
    const a = previews.add(source('a.wasm'), 'sha256:a');
    const b = previews.add(source('b.wasm'), 'sha256:b');
    const c = previews.add(source('c.wasm'), 'sha256:c');
    expect([previews.get(a), previews.get(b)?.digest, previews.get(c)?.digest]).toEqual([undefined, 'sha256:b', 'sha256:c']);
  });

  it('names previews with ids that cannot be guessed from each other', () => {
    const previews = new InstallPreviews();
    const ids = new Set(Array.from({ length: 4 }, (_, i) => previews.add(source(`${i}.wasm`), `sha256:${i}`)));
    expect(ids.size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });
});
