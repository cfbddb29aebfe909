import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wasiCode } from '../../../../test/helpers.js';
import type { HostBridge } from '../host-bridge.js';
import type { CapabilityRequest } from '../sandbox.js';
import { createFilesystem, type Descriptor, type WasiFilesystem } from './filesystem.js';

let base: string;
let fs: WasiFilesystem | undefined;

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-move-')));
  mkdirSync(join(base, 'projects', 'p1', 'secret'), { recursive: true });
  mkdirSync(join(base, 'projects', 'p1', 'public'), { recursive: true });
  writeFileSync(join(base, 'projects', 'p1', 'secret', 'key.txt'), 'the key');
});
afterEach(() => {
  fs?.closeAll();
  rmSync(base, { recursive: true, force: true });
});

const code = wasiCode;

/** A mount of `base`, read-write; `asked` answers the per-path questions of a checkEach mount. */
function mount(opts: { denyGlobs?: string[]; moveGuards?: string[]; asked?: (r: CapabilityRequest) => boolean }): Descriptor {
  const bridge: HostBridge = {
    call: (_op, r) => ({ decision: opts.asked?.(r as CapabilityRequest) ? 'allowed' : 'denied', reason: 'test' }),
    notify: () => {},
  };
  fs = createFilesystem({
    mounts: [{ guestPath: '/w', hostPath: base, read: true, write: true, checkEach: opts.asked !== undefined }],
    denyGlobs: opts.denyGlobs ?? [],
    moveGuards: opts.moveGuards,
    bridge,
  });
  return fs.preopens.getDirectories()[0][0];
}

/**
 * Attack: a deny rule anchored above a directory (`/w/projects/*\/secret/**`) stops covering its
 * contents once the directory moves elsewhere: rename projects/p1 to p1, then read p1/secret/key.txt.
 */
describe('renaming a directory cannot take its contents out of a deny rule', () => {
  it('refuses to move a directory beneath which a deny glob anchored above it could match', () => {
    const root = mount({ denyGlobs: [`${base}/projects/*/secret/**`] });
    expect(code(() => root.openAt({}, 'projects/p1/secret/key.txt', {}, { read: true }))).toBe('access');
    expect(code(() => root.renameAt('projects/p1', root, 'p1'))).toBe('access');
    expect(code(() => root.renameAt('projects', root, 'elsewhere'))).toBe('access');
    expect(existsSync(join(base, 'projects', 'p1', 'secret', 'key.txt'))).toBe(true);
    expect(code(() => root.openAt({}, 'p1/secret/key.txt', {}, { read: true }))).toBe('no-entry');
    // A directory no rule could reach beneath still moves.
    expect(code(() => root.renameAt('projects/p1/public', root, 'public'))).toBe('ok');
    expect(existsSync(join(base, 'public'))).toBe(true);
  });

  it('holds for a write-only deny too, which the checker enforces path by path', () => {
    const root = mount({
      moveGuards: [`${base}/projects/**/secret/**`],
      asked: (r) => !(r.access === 'write' && r.target.includes('/secret')),
    });
    expect(code(() => root.renameAt('projects/p1', root, 'p1'))).toBe('access');
    // public/ could hold a secret/ of its own, which ** would reach: it stays too.
    expect(code(() => root.renameAt('projects/p1/public', root, 'public'))).toBe('access');
    expect(readFileSync(join(base, 'projects', 'p1', 'secret', 'key.txt'), 'utf8')).toBe('the key');
    mkdirSync(join(base, 'drafts'));
    expect(code(() => root.renameAt('drafts', root, 'drafts-old'))).toBe('ok');
  });
});
