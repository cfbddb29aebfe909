import type * as realFs from 'node:fs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HostBridge } from '../host-bridge.js';

// macOS and Windows have no /proc/self/fd: pretend this machine is one of them, so the path-string
// walk those platforms get is held to the same escape rules.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof realFs>();
  return { ...actual, existsSync: (p: realFs.PathLike) => (p === '/proc/self/fd' ? false : actual.existsSync(p)) };
});

const { createFilesystem } = await import('./filesystem.js');
const { PINNED } = await import('./fs-beneath.js');

let base: string;
let rw: string;
let ro: string;
let fs: ReturnType<typeof createFilesystem>;

const bridge: HostBridge = { call: () => ({ decision: 'denied', reason: 'headless' }), notify: () => {} };

function code(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) throw err;
    return err;
  }
  return 'ok';
}

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-fs-fallback-')));
  rw = join(base, 'rw');
  ro = join(base, 'ro');
  mkdirSync(rw);
  mkdirSync(ro);
  writeFileSync(join(base, 'canary.txt'), 'canary');
  writeFileSync(join(rw, 'notes.txt'), 'hello');
  writeFileSync(join(ro, 'data.txt'), 'read-only');
  fs = createFilesystem({
    mounts: [
      { guestPath: '/rw', hostPath: rw, read: true, write: true },
      { guestPath: '/ro', hostPath: ro, read: true, write: false },
    ],
    denyGlobs: [],
    bridge,
  });
});

afterEach(() => {
  fs.closeAll();
  rmSync(base, { recursive: true, force: true });
});

describe('wasi:filesystem host without /proc (macOS, Windows)', () => {
  it('runs on path strings and still reads, writes and lists', () => {
    expect(PINNED).toBe(false);
    const [[root]] = fs.preopens.getDirectories();
    const file = root.openAt({}, 'sub-file.txt', { create: true }, { write: true, read: true });
    file.write(new TextEncoder().encode('via fallback'), 0n);
    expect(readFileSync(join(rw, 'sub-file.txt'), 'utf8')).toBe('via fallback');
    root.createDirectoryAt('sub');
    const sub = root.openAt({}, 'sub', { directory: true }, { read: true });
    sub.openAt({}, 'inner.txt', { create: true }, { write: true });
    const names: string[] = [];
    const entries = sub.readDirectory();
    for (let e = entries.readDirectoryEntry(); e; e = entries.readDirectoryEntry()) names.push(e.name);
    expect(names).toEqual(['inner.txt']);
    expect(Buffer.from(root.openAt({}, 'notes.txt', {}, { read: true }).read(10n, 0n)[0]).toString()).toBe('hello');
  });

  it('refuses the same escapes', () => {
    symlinkSync('../canary.txt', join(rw, 'link'));
    symlinkSync('..', join(rw, 'up'));
    const dirs = new Map(fs.preopens.getDirectories().map(([d, n]) => [n, d]));
    const root = dirs.get('/rw')!;
    expect(code(() => root.openAt({}, '../canary.txt', {}, { read: true }))).toBe('not-permitted');
    expect(code(() => root.openAt({}, '/etc/passwd', {}, { read: true }))).toBe('not-permitted');
    expect(code(() => root.openAt({ symlinkFollow: true }, 'link', {}, { read: true }))).toBe('not-permitted');
    expect(code(() => root.openAt({}, 'up/canary.txt', { truncate: true }, { write: true }))).toBe('not-permitted');
    expect(code(() => root.symlinkAt('x', 'y'))).toBe('not-permitted');
    expect(code(() => dirs.get('/ro')!.openAt({}, 'data.txt', { truncate: true }, { write: true }))).toBe('read-only');
    expect(code(() => dirs.get('/ro')!.renameAt('data.txt', root, 'stolen.txt'))).toBe('read-only');
    expect(readFileSync(join(base, 'canary.txt'), 'utf8')).toBe('canary');
    expect(readdirSync(ro)).toEqual(['data.txt']);
  });
});
