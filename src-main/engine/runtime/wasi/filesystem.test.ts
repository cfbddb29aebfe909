import { execFileSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostBridge } from '../host-bridge.js';
import { type CapabilityAnswer, type CapabilityRequest, type CapabilityUse, HOST_OPS, type Mount } from '../sandbox.js';
import { createFilesystem, type Descriptor, MAX_OPEN_FDS, type WasiFilesystem } from './filesystem.js';
import type { InputStream } from './streams.js';

const CANARY = 'canary: nothing outside a mount may be read or changed\n';

let base: string;
let rw: string;
let ro: string;
let outside: string;
let canaryStat: { mtimeMs: number; ctimeMs: number; size: number };
const open: WasiFilesystem[] = [];

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-fs-')));
  rw = join(base, 'rw');
  ro = join(base, 'ro');
  outside = join(base, 'outside');
  for (const d of [rw, ro, outside]) mkdirSync(d);
  writeFileSync(join(outside, 'canary.txt'), CANARY);
  writeFileSync(join(ro, 'data.txt'), 'read-only data');
  writeFileSync(join(rw, 'notes.txt'), 'hello');
  const st = statSync(join(outside, 'canary.txt'));
  canaryStat = { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size };
});

afterEach(() => {
  for (const fs of open.splice(0)) fs.closeAll();
  rmSync(base, { recursive: true, force: true });
});

/** The evidence for every escape attempt: the file outside every mount is exactly as it was. */
function expectCanaryIntact(): void {
  const path = join(outside, 'canary.txt');
  expect(readFileSync(path, 'utf8')).toBe(CANARY);
  const st = statSync(path);
  expect({ mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size }).toEqual(canaryStat);
  expect(readdirSync(outside).sort()).toEqual(['canary.txt']);
}

interface FakeBridge extends HostBridge {
  requests: CapabilityRequest[];
  uses: CapabilityUse[];
}

function fakeBridge(
  answer: (req: CapabilityRequest) => CapabilityAnswer = () => ({ decision: 'denied', reason: 'headless' }),
  onUse: (use: CapabilityUse) => void = () => {},
): FakeBridge {
  const bridge: FakeBridge = {
    requests: [],
    uses: [],
    call(op, payload) {
      expect(op).toBe(HOST_OPS.request);
      bridge.requests.push(payload as CapabilityRequest);
      return answer(payload as CapabilityRequest);
    },
    notify(op, payload) {
      expect(op).toBe(HOST_OPS.used);
      bridge.uses.push(payload as CapabilityUse);
      onUse(payload as CapabilityUse);
    },
  };
  return bridge;
}

function setup(opts: { mounts?: Mount[]; denyGlobs?: string[]; bridge?: FakeBridge } = {}) {
  const bridge = opts.bridge ?? fakeBridge();
  const mounts = opts.mounts ?? [
    { guestPath: '/rw', hostPath: rw, read: true, write: true },
    { guestPath: '/ro', hostPath: ro, read: true, write: false },
  ];
  const fs = createFilesystem({ mounts, denyGlobs: opts.denyGlobs ?? [], bridge });
  open.push(fs);
  const dirs = new Map(fs.preopens.getDirectories().map(([d, name]) => [name, d]));
  return { fs, bridge, dir: (name: string) => dirs.get(name) as Descriptor };
}

/** The error-code a call fails with, the way the glue turns a thrown value into `result::err`. */
function code(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) throw err;
    return err;
  }
  return 'ok';
}

const READ = { read: true };
const WRITE = { write: true };
const CREATE = { create: true };

function readAll(stream: InputStream): string {
  const parts: Uint8Array[] = [];
  for (;;) {
    try {
      parts.push(stream.blockingRead(1000n).slice());
    } catch (err) {
      if ((err as { tag?: string }).tag === 'closed') break;
      throw err;
    }
  }
  return Buffer.concat(parts).toString('utf8');
}

const readFile = (dir: Descriptor, path: string): string => readAll(dir.openAt({}, path, {}, READ).readViaStream(0n));

describe('wasi:filesystem host', () => {
  it('reads and writes files under a read-write mount', () => {
    const { dir, bridge } = setup();
    const root = dir('/rw');
    expect(readFile(root, 'notes.txt')).toBe('hello');

    const file = root.openAt({}, 'new.txt', CREATE, { read: true, write: true });
    file.writeViaStream(0n).blockingWriteAndFlush(new TextEncoder().encode('written by the guest'));
    expect(readFileSync(join(rw, 'new.txt'), 'utf8')).toBe('written by the guest');
    expect(file.write(new TextEncoder().encode('WRITTEN'), 0n)).toBe(7n);
    const [bytes, eof] = file.read(100n, 0n);
    expect(Buffer.from(bytes).toString()).toBe('WRITTEN by the guest');
    expect(eof).toBe(true);
    file.appendViaStream().blockingWriteAndFlush(new TextEncoder().encode('!'));
    expect(file.stat()).toMatchObject({ type: 'regular-file', size: 21n });
    file.setSize(7n);
    expect(readFileSync(join(rw, 'new.txt'), 'utf8')).toBe('WRITTEN');

    root.createDirectoryAt('sub');
    root.renameAt('new.txt', root, 'sub/moved.txt');
    expect(readFileSync(join(rw, 'sub', 'moved.txt'), 'utf8')).toBe('WRITTEN');
    const sub = root.openAt({}, 'sub', { directory: true }, READ);
    expect(sub.getType()).toBe('directory');
    expect(readFile(sub, 'moved.txt')).toBe('WRITTEN');
    const names: string[] = [];
    const entries = root.readDirectory();
    for (let e = entries.readDirectoryEntry(); e; e = entries.readDirectoryEntry()) names.push(`${e.name}:${e.type}`);
    expect(names.sort()).toEqual(['notes.txt:regular-file', 'sub:directory']);

    sub.unlinkFileAt('moved.txt');
    root.removeDirectoryAt('sub');
    expect(readdirSync(rw)).toEqual(['notes.txt']);
    expect(code(() => root.statAt({}, 'missing.txt'))).toBe('no-entry');
    expect(code(() => root.openAt({}, 'notes.txt', { create: true, exclusive: true }, WRITE))).toBe('exist');
    expect(bridge.requests).toEqual([]);
  });

  it('refuses every kind of write under a read-only mount, asking once and leaving the files as they were', () => {
    const { dir, bridge } = setup();
    const root = dir('/ro');
    expect(readFile(root, 'data.txt')).toBe('read-only data');
    expect(code(() => root.openAt({}, 'data.txt', {}, WRITE))).toBe('read-only');
    expect(code(() => root.openAt({}, 'data.txt', { truncate: true }, READ))).toBe('read-only');
    expect(code(() => root.openAt({}, 'new.txt', CREATE, WRITE))).toBe('read-only');
    expect(code(() => root.createDirectoryAt('d'))).toBe('read-only');
    expect(code(() => root.unlinkFileAt('data.txt'))).toBe('read-only');
    expect(code(() => root.renameAt('data.txt', root, 'renamed.txt'))).toBe('read-only');
    expect(code(() => root.setTimesAt({}, 'data.txt', { tag: 'now' }, { tag: 'now' }))).toBe('read-only');
    expect(code(() => root.setTimes({ tag: 'now' }, { tag: 'now' }))).toBe('read-only');
    const file = root.openAt({}, 'data.txt', {}, READ);
    expect(code(() => file.setSize(0n))).toBe('bad-descriptor');
    expect(code(() => file.writeViaStream(0n))).toBe('bad-descriptor');
    expect(code(() => file.write(new Uint8Array([1]), 0n))).toBe('bad-descriptor');

    expect(readdirSync(ro)).toEqual(['data.txt']);
    expect(readFileSync(join(ro, 'data.txt'), 'utf8')).toBe('read-only data');
    // One just-in-time question for write on this mount, answered "denied" and remembered.
    expect(bridge.requests).toEqual([{ kind: 'storage', target: `fs://${ro}`, access: 'write' }]);
  });

  it('refuses ../ and absolute paths that leave the mount', () => {
    const { dir, bridge } = setup();
    const root = dir('/rw');
    root.createDirectoryAt('a');
    const a = root.openAt({}, 'a', { directory: true }, READ);
    for (const path of [
      '../outside/canary.txt',
      'a/../../outside/canary.txt',
      './../outside/canary.txt',
      '..',
      '/etc/passwd',
      `${outside}/canary.txt`,
    ]) {
      expect(
        code(() => root.openAt({}, path, {}, READ)),
        path,
      ).toBe('not-permitted');
      expect(
        code(() => root.openAt({}, path, { truncate: true }, WRITE)),
        path,
      ).toBe('not-permitted');
      expect(
        code(() => root.statAt({ symlinkFollow: true }, path)),
        path,
      ).toBe('not-permitted');
      expect(
        code(() => root.unlinkFileAt(path)),
        path,
      ).toBe('not-permitted');
    }
    // A descriptor for a subdirectory is its own boundary, like Wasmtime's.
    expect(code(() => a.openAt({}, '../notes.txt', {}, READ))).toBe('not-permitted');
    expect(readFile(root, 'a/../notes.txt')).toBe('hello');
    // The audit says what was refused and why, in words for the person reading the tool result.
    expect(bridge.uses).toContainEqual({
      kind: 'storage',
      target: `fs://${join(outside, 'canary.txt')}`,
      access: 'read',
      decision: 'denied',
      reason: '.. above the directory',
    });
    expect(bridge.uses).toContainEqual({
      kind: 'storage',
      target: 'fs:///etc/passwd',
      access: 'read',
      decision: 'denied',
      reason: 'absolute path',
    });
    // Nothing outside the mount was ever reported as performed.
    expect(bridge.uses.filter((u) => u.decision === 'allowed' && !u.target.startsWith(`fs://${rw}`))).toEqual([]);
    expectCanaryIntact();
  });

  it('does not follow a symlink in the mount that points outside it', () => {
    symlinkSync(join(outside, 'canary.txt'), join(rw, 'abs-link'));
    symlinkSync('../outside/canary.txt', join(rw, 'rel-link'));
    symlinkSync('../outside', join(rw, 'dir-link'));
    symlinkSync('notes.txt', join(rw, 'inside-link'));
    const { dir } = setup();
    const root = dir('/rw');
    for (const link of ['abs-link', 'rel-link']) {
      expect(
        code(() => root.openAt({ symlinkFollow: true }, link, {}, READ)),
        link,
      ).toBe('not-permitted');
      expect(
        code(() => root.openAt({ symlinkFollow: true }, link, { truncate: true }, WRITE)),
        link,
      ).toBe('not-permitted');
      // Not following: the link itself cannot be opened as a file.
      expect(
        code(() => root.openAt({}, link, {}, READ)),
        link,
      ).toBe('loop');
      expect(root.statAt({}, link).type).toBe('symbolic-link');
      expect(code(() => root.statAt({ symlinkFollow: true }, link))).toBe('not-permitted');
    }
    expect(code(() => root.openAt({}, 'dir-link/canary.txt', {}, READ))).toBe('not-permitted');
    expect(code(() => root.openAt({}, 'dir-link/new.txt', CREATE, WRITE))).toBe('not-permitted');
    expect(code(() => root.readlinkAt('abs-link'))).toBe('not-permitted');
    expect(root.readlinkAt('rel-link')).toBe('../outside/canary.txt');
    // A symlink that stays inside works as usual.
    expect(readAll(root.openAt({ symlinkFollow: true }, 'inside-link', {}, READ).readViaStream(0n))).toBe('hello');
    expectCanaryIntact();
  });

  it('never lets a guest create a symlink or move one to another directory', () => {
    const { dir, bridge } = setup();
    const root = dir('/rw');
    expect(code(() => root.symlinkAt('../outside/canary.txt', 'escape'))).toBe('not-permitted');
    expect(code(() => root.symlinkAt('notes.txt', 'harmless-today'))).toBe('not-permitted');
    expect(code(() => root.symlinkAt('/etc/passwd', 'abs'))).toBe('not-permitted');
    expect(readdirSync(rw)).toEqual(['notes.txt']);
    // Nor move one a user made: 'a/b/up -> ../../notes.txt' points outside once it sits at the top.
    mkdirSync(join(rw, 'a', 'b'), { recursive: true });
    symlinkSync('../../notes.txt', join(rw, 'a', 'b', 'up'));
    expect(code(() => root.renameAt('a/b/up', root, 'up'))).toBe('not-permitted');
    expect(code(() => root.linkAt({}, 'a/b/up', root, 'up'))).toBe('not-permitted');
    root.renameAt('a/b/up', root, 'a/b/up-renamed');
    expect(readdirSync(rw).sort()).toEqual(['a', 'notes.txt']);
    expect(bridge.uses.filter((u) => u.decision === 'denied').map((u) => u.target)).toEqual([
      `fs://${rw}/escape`,
      `fs://${rw}/harmless-today`,
      `fs://${rw}/abs`,
      `fs://${rw}/a/b/up`,
      `fs://${rw}/a/b/up`,
    ]);
  });

  it('refuses a hard link or rename from a read-only mount into a writable one', () => {
    const { dir } = setup();
    const [r, w] = [dir('/ro'), dir('/rw')];
    expect(code(() => r.linkAt({}, 'data.txt', w, 'linked.txt'))).toBe('read-only');
    expect(code(() => r.renameAt('data.txt', w, 'moved.txt'))).toBe('read-only');
    // The other way round would put writable data where the guest may only read.
    expect(code(() => w.linkAt({}, 'notes.txt', r, 'linked.txt'))).toBe('read-only');
    expect(code(() => w.renameAt('notes.txt', r, 'moved.txt'))).toBe('read-only');
    expect(readdirSync(rw)).toEqual(['notes.txt']);
    expect(readdirSync(ro)).toEqual(['data.txt']);
    expect(statSync(join(ro, 'data.txt')).nlink).toBe(1);
    // Within the writable mount both are fine.
    w.linkAt({}, 'notes.txt', w, 'second-name.txt');
    expect(statSync(join(rw, 'notes.txt')).nlink).toBe(2);
  });

  it('catches a directory swapped for a symlink to outside between resolving and opening', () => {
    mkdirSync(join(rw, 'sub'));
    writeFileSync(join(rw, 'sub', 'canary.txt'), 'inside copy');
    mkdirSync(join(rw, 'trash'));
    // The attacker swaps while the access is being recorded: after the path was resolved and
    // authorized, before the file is opened. A path-based open would now truncate the canary.
    let swapped = false;
    const bridge = fakeBridge(undefined, (use) => {
      if (swapped || use.decision !== 'allowed') return;
      renameSync(join(rw, 'sub'), join(rw, 'trash', 'sub'));
      symlinkSync(outside, join(rw, 'sub'));
      swapped = true;
    });
    const { dir } = setup({ bridge });
    const root = dir('/rw');
    expect(code(() => root.openAt({}, 'sub/canary.txt', { truncate: true }, WRITE))).toBe('access');
    expect(swapped).toBe(true);
    expect(bridge.uses.at(-1)).toMatchObject({ decision: 'denied', target: `fs://${join(rw, 'trash', 'sub', 'canary.txt')}` });
    // The refused open had no effect on the file it did reach either.
    expect(readFileSync(join(rw, 'trash', 'sub', 'canary.txt'), 'utf8')).toBe('inside copy');
    expectCanaryIntact();
    // The next walk meets the symlink itself and refuses it.
    expect(code(() => root.openAt({}, 'sub/canary.txt', {}, READ))).toBe('not-permitted');
    expectCanaryIntact();
  });

  it('creates nothing when the directory moves away between resolving and creating', () => {
    mkdirSync(join(rw, 'sub'));
    let moved = false;
    const bridge = fakeBridge(undefined, (use) => {
      if (moved || use.decision !== 'allowed') return;
      renameSync(join(rw, 'sub'), join(outside, 'sub'));
      moved = true;
    });
    const { dir } = setup({ bridge });
    expect(code(() => dir('/rw').openAt({}, 'sub/new.txt', CREATE, WRITE))).toBe('access');
    expect(readdirSync(join(outside, 'sub'))).toEqual([]);
  });

  it('refuses a directory descriptor whose directory was moved outside the mount', () => {
    mkdirSync(join(rw, 'sub'));
    const { dir } = setup();
    const sub = dir('/rw').openAt({}, 'sub', { directory: true }, READ);
    renameSync(join(rw, 'sub'), join(outside, 'sub'));
    expect(code(() => sub.openAt({}, 'new.txt', CREATE, WRITE))).toBe('not-permitted');
    expect(code(() => sub.readDirectory())).toBe('not-permitted');
    expect(existsSync(join(outside, 'sub', 'new.txt'))).toBe(false);
  });

  it('lets deny globs win inside a writable mount and hides what they cover', () => {
    mkdirSync(join(rw, 'secret'));
    writeFileSync(join(rw, 'secret', 'token.txt'), 'the token');
    writeFileSync(join(rw, 'id.key'), 'private key');
    // The user wrote the rule against a symlinked spelling of the mount: it must still apply.
    symlinkSync(rw, join(base, 'rw-alias'));
    const { dir, bridge } = setup({
      mounts: [{ guestPath: '/rw', hostPath: join(base, 'rw-alias'), read: true, write: true }],
      denyGlobs: [`${join(base, 'rw-alias')}/secret/**`, '**/*.key'],
    });
    const root = dir('/rw');
    expect(code(() => root.openAt({}, 'secret/token.txt', {}, READ))).toBe('access');
    expect(code(() => root.statAt({}, 'secret/nothing-here'))).toBe('access');
    expect(code(() => root.openAt({}, 'id.key', {}, READ))).toBe('access');
    expect(code(() => root.renameAt('notes.txt', root, 'notes.key'))).toBe('access');
    expect(code(() => root.renameAt('secret', root, 'public'))).toBe('access');
    expect(code(() => root.unlinkFileAt('id.key'))).toBe('access');
    const names: string[] = [];
    const entries = root.readDirectory();
    for (let e = entries.readDirectoryEntry(); e; e = entries.readDirectoryEntry()) names.push(e.name);
    expect(names).toEqual(['notes.txt']);
    expect(readFileSync(join(rw, 'secret', 'token.txt'), 'utf8')).toBe('the token');
    expect(existsSync(join(rw, 'id.key'))).toBe(true);
    expect(bridge.uses).toContainEqual({
      kind: 'storage',
      target: `fs://${join(rw, 'secret')}`,
      access: 'read',
      decision: 'denied',
      reason: 'a deny rule covers this path',
    });
  });

  it('asks just in time for a mount that was requested but not granted, and remembers the answer', () => {
    const allowed = fakeBridge(() => ({ decision: 'allowed' }));
    const a = setup({ mounts: [{ guestPath: '/rw', hostPath: rw, read: false, write: false }], bridge: allowed });
    expect(readFile(a.dir('/rw'), 'notes.txt')).toBe('hello');
    expect(readFile(a.dir('/rw'), 'notes.txt')).toBe('hello');
    expect(allowed.requests).toEqual([{ kind: 'storage', target: `fs://${rw}`, access: 'read' }]);
    a.dir('/rw').openAt({}, 'created.txt', CREATE, WRITE);
    expect(allowed.requests.map((r) => r.access)).toEqual(['read', 'write']);
    expect(existsSync(join(rw, 'created.txt'))).toBe(true);

    const denied = fakeBridge();
    const d = setup({ mounts: [{ guestPath: '/rw', hostPath: rw, read: false, write: false }], bridge: denied });
    expect(code(() => readFile(d.dir('/rw'), 'notes.txt'))).toBe('access');
    // Not even whether a name exists leaks from a mount the person refused.
    expect(code(() => d.dir('/rw').statAt({}, 'no-such-file'))).toBe('access');
    expect(code(() => d.dir('/rw').readDirectory())).toBe('access');
    expect(denied.requests).toEqual([{ kind: 'storage', target: `fs://${rw}`, access: 'read' }]);
    expect(denied.uses.every((u) => u.decision === 'denied')).toBe(true);
  });

  it('keeps a refusal for the rest of the call only: the next call asks again, and an allowance stays', () => {
    let person: CapabilityAnswer = { decision: 'denied', reason: 'no one is here to approve it' };
    const bridge = fakeBridge(() => person);
    const { fs, dir } = setup({ mounts: [{ guestPath: '/rw', hostPath: rw, read: false, write: false }], bridge });
    expect(code(() => readFile(dir('/rw'), 'notes.txt'))).toBe('access');
    expect(code(() => readFile(dir('/rw'), 'notes.txt'))).toBe('access');
    expect(bridge.requests).toHaveLength(1);
    // The person opens the window; the guest's next call asks again and is allowed.
    fs.endCall();
    person = { decision: 'allowed' };
    expect(readFile(dir('/rw'), 'notes.txt')).toBe('hello');
    fs.endCall();
    expect(readFile(dir('/rw'), 'notes.txt')).toBe('hello');
    expect(bridge.requests).toHaveLength(2);
  });

  it('puts each path of a checkEach mount to the engine, which answers from narrower grants', () => {
    writeFileSync(join(rw, 'todo.md'), 'granted by /rw/*.md');
    writeFileSync(join(rw, 'config.json'), 'not covered by the glob');
    // The engine's side: a grant of read on <rw>/*.md, and a write-only deny on config.json.
    const bridge = fakeBridge((req) =>
      req.target.endsWith('.md') && req.access === 'read'
        ? { decision: 'allowed' }
        : { decision: 'denied', reason: 'not granted' },
    );
    const { dir } = setup({ mounts: [{ guestPath: '/rw', hostPath: rw, read: true, write: true, checkEach: true }], bridge });
    const root = dir('/rw');
    expect(readFile(root, 'todo.md')).toBe('granted by /rw/*.md');
    expect(readFile(root, 'todo.md')).toBe('granted by /rw/*.md');
    expect(code(() => readFile(root, 'config.json'))).toBe('access');
    expect(code(() => root.openAt({}, 'config.json', { truncate: true }, WRITE))).toBe('access');
    expect(bridge.requests).toEqual([
      { kind: 'storage', target: `fs://${rw}/todo.md`, access: 'read' },
      { kind: 'storage', target: `fs://${rw}/config.json`, access: 'read' },
      { kind: 'storage', target: `fs://${rw}/config.json`, access: 'write' },
    ]);
    expect(readFileSync(join(rw, 'config.json'), 'utf8')).toBe('not covered by the glob');
  });

  it('reports each access once with its host path, not once per read', () => {
    writeFileSync(join(rw, 'big.txt'), 'x'.repeat(5000));
    const { dir, bridge } = setup();
    const stream = dir('/rw').openAt({}, 'big.txt', {}, READ).readViaStream(0n);
    expect(readAll(stream).length).toBe(5000);
    dir('/rw').openAt({}, 'out.txt', CREATE, WRITE);
    expect(code(() => dir('/rw').openAt({}, '../outside/canary.txt', {}, READ))).toBe('not-permitted');
    expect(bridge.uses).toEqual([
      { kind: 'storage', target: `fs://${rw}/big.txt`, access: 'read', decision: 'allowed' },
      { kind: 'storage', target: `fs://${rw}/out.txt`, access: 'write', decision: 'allowed' },
      expect.objectContaining({ kind: 'storage', target: `fs://${outside}/canary.txt`, access: 'read', decision: 'denied' }),
    ]);
  });

  it('refuses a read+write open of a write-only path, so a write grant never reads', () => {
    const { dir, bridge } = setup({ mounts: [{ guestPath: '/wo', hostPath: rw, read: false, write: true }] });
    const root = dir('/wo');
    expect(code(() => root.openAt({}, 'notes.txt', {}, { read: true, write: true }))).toBe('access');
    expect(code(() => root.openAt({}, 'new.txt', CREATE, { read: true, write: true }))).toBe('access');
    expect(existsSync(join(rw, 'new.txt'))).toBe(false);
    // Writing alone is what was granted, and works.
    root
      .openAt({}, 'notes.txt', { truncate: true }, WRITE)
      .writeViaStream(0n)
      .blockingWriteAndFlush(new TextEncoder().encode('new'));
    expect(readFileSync(join(rw, 'notes.txt'), 'utf8')).toBe('new');
    expect(bridge.uses.filter((u) => u.decision === 'allowed').map((u) => u.access)).not.toContain('read');
  });

  it('keeps a read-only mount nested in a writable one read-only', () => {
    mkdirSync(join(rw, 'ref'));
    writeFileSync(join(rw, 'ref', 'book.txt'), 'reference');
    const { dir } = setup({
      mounts: [
        { guestPath: '/rw', hostPath: rw, read: true, write: true },
        { guestPath: '/ref', hostPath: join(rw, 'ref'), read: true, write: false },
      ],
    });
    const root = dir('/rw');
    expect(readFile(root, 'ref/book.txt')).toBe('reference');
    expect(code(() => root.openAt({}, 'ref/book.txt', { truncate: true }, WRITE))).toBe('read-only');
    expect(code(() => root.renameAt('ref', root, 'mine'))).toBe('read-only');
    expect(readFileSync(join(rw, 'ref', 'book.txt'), 'utf8')).toBe('reference');
  });

  it('gives two mounts of the same directory their own access', () => {
    const { dir } = setup({
      mounts: [
        { guestPath: '/view', hostPath: rw, read: true, write: false },
        { guestPath: '/edit', hostPath: rw, read: true, write: true },
      ],
    });
    expect(code(() => dir('/view').openAt({}, 'notes.txt', { truncate: true }, WRITE))).toBe('read-only');
    dir('/edit').openAt({}, 'notes.txt', {}, WRITE).write(new TextEncoder().encode('J'), 0n);
    expect(readFileSync(join(rw, 'notes.txt'), 'utf8')).toBe('Jello');
  });

  it('maps a failed stream read to a filesystem error code and never reads through a dropped descriptor', () => {
    const { dir, fs } = setup();
    const file = dir('/rw').openAt({}, 'notes.txt', {}, READ);
    const stream = file.readViaStream(0n);
    file[Symbol.dispose]();
    let failure: unknown;
    try {
      stream.blockingRead(10n);
    } catch (err) {
      failure = err;
    }
    expect(failure).toMatchObject({ tag: 'last-operation-failed' });
    expect(fs.types.filesystemErrorCode((failure as { val: unknown }).val)).toBe('bad-descriptor');
    expect(fs.types.filesystemErrorCode(new Error('not ours'))).toBeUndefined();
    expect(code(() => file.stat())).toBe('bad-descriptor');
  });

  it('opens a FIFO without blocking the instance', () => {
    execFileSync('mkfifo', [join(rw, 'pipe')]);
    const { dir } = setup();
    const fifo = dir('/rw').openAt({}, 'pipe', {}, READ);
    expect(fifo.getType()).toBe('fifo');
  });

  it('closes every host descriptor at the end, preopens included', () => {
    const before = readdirSync('/proc/self/fd').length;
    const { dir, fs } = setup();
    const root = dir('/rw');
    root.openAt({}, 'notes.txt', {}, READ);
    root.readDirectory();
    expect(readdirSync('/proc/self/fd').length).toBeGreaterThan(before);
    fs.closeAll();
    expect(readdirSync('/proc/self/fd').length).toBe(before);
    expect(code(() => root.openAt({}, 'notes.txt', {}, READ))).toBe('bad-descriptor');
  });

  it('holds at most MAX_OPEN_FDS host fds per instance', () => {
    const { dir } = setup();
    const root = dir('/rw');
    const held: Descriptor[] = [];
    let failure: unknown;
    for (let i = 0; i < MAX_OPEN_FDS + 5 && !failure; i++) {
      try {
        held.push(root.openAt({}, 'notes.txt', {}, READ));
      } catch (err) {
        failure = err;
      }
    }
    expect(failure).toBe('quota');
    expect(held.length).toBe(MAX_OPEN_FDS - 1); // the preopen holds one
    held.pop()?.[Symbol.dispose]();
    expect(readFile(root, 'notes.txt')).toBe('hello');
  });

  it('rejects a malformed sandbox plan with a clear message', () => {
    const bridge = fakeBridge();
    expect(() =>
      createFilesystem({ mounts: [{ guestPath: '/x', hostPath: 'relative', read: true, write: false }], denyGlobs: [], bridge }),
    ).toThrow(/absolute hostPath/);
    expect(() => createFilesystem({ mounts: [], denyGlobs: [''], bridge })).toThrow(/deny glob/);
  });

  it('answers stat, flags and identity questions like a POSIX host', () => {
    linkSync(join(rw, 'notes.txt'), join(rw, 'same.txt'));
    const { dir } = setup();
    const root = dir('/rw');
    const a = root.openAt({}, 'notes.txt', {}, READ);
    const b = root.openAt({}, 'same.txt', {}, READ);
    expect(a.isSameObject(b)).toBe(true);
    expect(a.isSameObject(root)).toBe(false);
    expect(a.getFlags()).toMatchObject({ read: true, write: false });
    expect(root.stat().type).toBe('directory');
    expect(root.statAt({}, 'notes.txt')).toMatchObject({ type: 'regular-file', size: 5n, linkCount: 2n });
    expect(a.metadataHash()).toEqual(root.metadataHashAt({}, 'same.txt'));
    expect(code(() => root.openAt({}, 'notes.txt/', {}, READ))).toBe('not-directory');
    expect(code(() => root.openAt({}, 'notes.txt', { directory: true }, READ))).toBe('not-directory');
    expect(code(() => root.openAt({}, '.', {}, WRITE))).toBe('is-directory');
    expect(code(() => root.openAt({}, 'bad\0name', {}, READ))).toBe('invalid');
    expect(code(() => root.openAt({}, '', {}, READ))).toBe('no-entry');
  });
});
