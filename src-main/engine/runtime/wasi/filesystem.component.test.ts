import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComponent } from '../../../../test/fixtures/build.js';
import { REPO } from '../../../../test/helpers.js';
import type { HostBridge } from '../host-bridge.js';
import type { CapabilityUse } from '../sandbox.js';
import { createFilesystem, type WasiFilesystem } from './filesystem.js';
import { BoundedCapture, emptySource, InputStream, IoError, OutputStream, Pollable, poll } from './streams.js';

/**
 * A real componentize-js guest calling this host through the jco glue: proves the method names,
 * argument shapes (flag records, bigint offsets), resource classes and error codes are the ones
 * the glue uses, which calling the classes directly cannot.
 */

type Guest = {
  readText(path: string): string;
  writeText(path: string, text: string, append: string): void;
  listDir(path: string): string[];
  tryOp(op: string, a: string, b: string): string;
};

let base: string;
let data: string;
let ro: string;
let fs: WasiFilesystem;
let guest: Guest;
const uses: CapabilityUse[] = [];

beforeAll(async () => {
  const wasm = await buildComponent(join(REPO, 'test/fixtures/components/fs-guest'), {
    disableFeatures: ['stdio', 'random', 'clocks', 'http', 'fetch-event'],
  });
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  const { files } = await transpileBytes(readFileSync(wasm), { name: 'component', instantiation: 'async' });
  base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-fs-guest-')));
  const glue = join(base, 'glue');
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(glue, name)), { recursive: true });
    writeFileSync(join(glue, name), bytes);
  }
  data = join(base, 'data');
  ro = join(base, 'ro');
  mkdirSync(data);
  mkdirSync(ro);
  writeFileSync(join(data, 'hello.txt'), 'hello from the host');
  writeFileSync(join(ro, 'ref.txt'), 'reference');
  writeFileSync(join(base, 'canary.txt'), 'canary');

  const bridge: HostBridge = {
    call: () => ({ decision: 'denied', reason: 'headless' }),
    notify: (_op, payload) => uses.push(payload as CapabilityUse),
  };
  fs = createFilesystem({
    mounts: [
      { guestPath: '/data', hostPath: data, read: true, write: true },
      { guestPath: '/ro', hostPath: ro, read: true, write: false },
    ],
    denyGlobs: [],
    bridge,
  });
  const out = new BoundedCapture(4096);
  const imports = {
    'wasi:filesystem/types': fs.types,
    'wasi:filesystem/preopens': fs.preopens,
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:cli/stdin': { getStdin: () => new InputStream(emptySource) },
    'wasi:cli/stdout': { getStdout: () => new OutputStream(out) },
    'wasi:cli/stderr': { getStderr: () => new OutputStream(out) },
    'wasi:clocks/wall-clock': {
      now: () => ({ seconds: BigInt(Math.floor(Date.now() / 1000)), nanoseconds: 0 }),
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
  };
  const { instantiate } = await import(pathToFileURL(join(glue, 'component.js')).href);
  guest = await instantiate((name: string) => WebAssembly.compile(readFileSync(join(glue, name))), imports);
}, 300_000);

afterAll(() => {
  fs?.closeAll();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('wasi:filesystem host under a real component', () => {
  it('reads, writes, appends and lists through streams', () => {
    expect(guest.readText('hello.txt')).toBe('hello from the host');
    guest.writeText('./new.txt', 'written', ' + appended');
    expect(readFileSync(join(data, 'new.txt'), 'utf8')).toBe('written + appended');
    expect(guest.readText('new.txt')).toBe('written + appended');
    expect(guest.listDir('.')).toEqual(['hello.txt', 'new.txt']);
    expect(uses).toContainEqual({ kind: 'storage', target: `fs://${data}/new.txt`, access: 'write', decision: 'allowed' });
  });

  it('hands the guest WASI error codes for refused and failed operations', () => {
    expect(() => guest.readText('../canary.txt')).toThrow(/not-permitted/);
    expect(() => guest.readText('missing.txt')).toThrow(/no-entry/);
    expect(guest.tryOp('stat', '/etc/passwd', '')).toBe('not-permitted');
    expect(guest.tryOp('symlink', '../canary.txt', 'escape')).toBe('not-permitted');
    expect(guest.tryOp('link-from-ro', 'ref.txt', 'mine.txt')).toBe('read-only');
    expect(guest.tryOp('link-to-ro', 'hello.txt', 'planted.txt')).toBe('read-only');
    expect(guest.tryOp('write-ro', 'new.txt', '')).toBe('read-only');
    expect(guest.tryOp('mkdir', 'made', '')).toBe('ok');
    expect(guest.tryOp('rename', 'made', 'renamed')).toBe('ok');
    expect(guest.tryOp('unlink', 'renamed', '')).toBe('is-directory');
    expect(readdirSync(ro)).toEqual(['ref.txt']);
    expect(readFileSync(join(base, 'canary.txt'), 'utf8')).toBe('canary');
  });
});
