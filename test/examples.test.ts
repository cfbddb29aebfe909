import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComponent, exampleDir } from './fixtures/build.js';
import { type GuestExports, guestError, runOnShim } from './fixtures/run-on-shim.js';

const BUILD_TIMEOUT = 180_000;

async function witOf(wasmPath: string): Promise<string> {
  return componentWit(readFileSync(wasmPath));
}

describe('time example', () => {
  let wasm: string;
  let time: GuestExports;
  beforeAll(async () => {
    wasm = await buildComponent(exampleDir('time'));
    time = await runOnShim(wasm);
  }, BUILD_TIMEOUT);

  it('exports now and current-moment, reads the wall clock and has no HTTP client', async () => {
    const wit = await witOf(wasm);
    expect(wit).toContain('export now: func(timezone-offset-minutes: option<s32>) -> result<string, string>;');
    expect(wit).toContain('export current-moment: func(timezone-offset-minutes: option<s32>) -> result<moment, string>;');
    expect(wit).toMatch(/record moment \{[^}]*unix-seconds: s64,/);
    expect(wit).toContain('import wasi:clocks/wall-clock@0.2.12;');
    expect(wit).not.toContain('wasi:http/outgoing-handler');
  });

  it('returns the current time as ISO 8601 in UTC', async () => {
    const before = Date.now();
    const iso = (await time.now(undefined)) as string;
    expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(iso)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(iso)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('writes the wall time of a given offset, which still parses to the same instant', async () => {
    const iso = (await time.now(-330)) as string;
    expect(iso).toMatch(/-05:30$/);
    expect(Math.abs(Date.parse(iso) - Date.now())).toBeLessThan(2000);
    // The text must be the wall time 5:30 behind UTC of the instant it names.
    const local = new Date(Date.parse(iso) - 330 * 60_000);
    expect(iso.slice(0, 23)).toBe(local.toISOString().slice(0, 23));
  });

  it('rejects an offset no time zone uses, with the allowed range', async () => {
    expect(await guestError(() => time.now(900))).toMatch(/between -720 and 840/);
  });

  it('splits the moment into calendar fields', async () => {
    const m = (await time.currentMoment(60)) as Record<string, unknown>;
    const local = new Date((Number(m.unixSeconds) + 3600) * 1000);
    expect(typeof m.unixSeconds).toBe('bigint');
    expect(Math.abs(Number(m.unixSeconds) - Date.now() / 1000)).toBeLessThan(2);
    expect(m).toMatchObject({
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
      minute: local.getUTCMinutes(),
      weekday: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][local.getUTCDay()],
      utcOffsetMinutes: 60,
    });
    expect(m.iso).toMatch(/\+01:00$/);
    expect(m.dayOfYear).toBe(Math.floor((local.getTime() - Date.UTC(local.getUTCFullYear(), 0, 1)) / 86_400_000) + 1);
  });
});

describe('read-file example', () => {
  let wasm: string;
  let reader: GuestExports;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'weld-read-file-'));
    mkdirSync(join(root, 'notes'));
    writeFileSync(join(root, 'notes', 'todo.txt'), 'buy milk\nünïcode ✓\n');
    writeFileSync(join(root, 'photo.bin'), Buffer.from([0xff, 0xfe, 0x00]));
    wasm = await buildComponent(exampleDir('read-file'));
    reader = await runOnShim(wasm, { preopens: { '/data': root } });
  }, BUILD_TIMEOUT);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('exports read-file and list-dir over wasi:filesystem preopens, without an HTTP client', async () => {
    const wit = await witOf(wasm);
    expect(wit).toContain('export read-file: func(path: string) -> result<string, string>;');
    expect(wit).toContain('export list-dir: func(path: string) -> result<list<string>, string>;');
    expect(wit).toContain('import wasi:filesystem/preopens@0.2.12;');
    expect(wit).not.toContain('wasi:http/outgoing-handler');
  });

  it('reads a file through the preopened directory, by relative or absolute path', async () => {
    expect(await reader.readFile('notes/todo.txt')).toBe('buy milk\nünïcode ✓\n');
    expect(await reader.readFile('/data/notes/todo.txt')).toBe('buy milk\nünïcode ✓\n');
  });

  it('lists a directory sorted, marking sub-directories', async () => {
    expect(await reader.listDir('.')).toEqual(['notes/', 'photo.bin']);
    expect(await reader.listDir('/data/notes')).toEqual(['todo.txt']);
  });

  it('explains what went wrong instead of trapping', async () => {
    expect(await guestError(() => reader.readFile('notes/missing.txt'))).toBe('notes/missing.txt does not exist');
    expect(await guestError(() => reader.readFile('photo.bin'))).toBe('photo.bin is not UTF-8 text');
    expect(await guestError(() => reader.readFile('notes'))).toBe('notes is not a file (it is a directory)');
    expect(await guestError(() => reader.readFile('/etc/passwd'))).toBe('/etc/passwd is outside the granted directories (/data)');
    expect(await guestError(() => reader.listDir('notes/todo.txt'))).toBe('notes/todo.txt is not a directory');
  });
});

describe('fetch example', () => {
  let wasm: string;
  let fetcher: GuestExports;
  let server: Worker;
  let base: string;
  beforeAll(async () => {
    // The shim performs guest HTTP synchronously, blocking this thread: the server needs its own.
    server = new Worker(
      `const { createServer } = require('node:http');
       const { parentPort } = require('node:worker_threads');
       const srv = createServer((req, res) => {
         if (req.url === '/hello') { res.writeHead(200, { 'content-type': 'text/plain' }); return res.end('hello from 127.0.0.1 ✓'); }
         if (req.url === '/moved') { res.writeHead(302, { location: '/hello' }); return res.end(); }
         if (req.url === '/loop') { res.writeHead(301, { location: '/loop' }); return res.end(); }
         if (req.url === '/big') { res.writeHead(200); return res.end('a'.repeat(3 * 1024 * 1024)); }
         res.writeHead(404, { 'content-type': 'text/plain' }); res.end('no such page');
       });
       srv.listen(0, '127.0.0.1', () => parentPort.postMessage(srv.address().port));`,
      { eval: true },
    );
    const port = await new Promise<number>((resolve) => server.once('message', resolve));
    base = `http://127.0.0.1:${port}`;
    wasm = await buildComponent(exampleDir('fetch'));
    fetcher = await runOnShim(wasm);
  }, BUILD_TIMEOUT);
  afterAll(() => server?.terminate());

  it('exports fetch-text and imports the outgoing HTTP handler its policy grants', async () => {
    const wit = await witOf(wasm);
    expect(wit).toContain('export fetch-text: func(url: string) -> result<string, string>;');
    expect(wit).toContain('import wasi:http/outgoing-handler@0.2.10;');
  });

  it('returns the body of a local page', async () => {
    expect(await fetcher.fetchText(`${base}/hello`)).toBe('hello from 127.0.0.1 ✓');
  });

  it('follows a redirect as a second request, and stops a redirect loop', async () => {
    expect(await fetcher.fetchText(`${base}/moved`)).toBe('hello from 127.0.0.1 ✓');
    expect(await guestError(() => fetcher.fetchText(`${base}/loop`))).toBe(`${base}/loop redirected more than 5 times`);
  });

  it('reports a non-2xx status with the start of the body', async () => {
    expect(await guestError(() => fetcher.fetchText(`${base}/gone`))).toBe(
      `${base}/gone answered HTTP 404 Not Found: no such page`,
    );
  });

  it('cuts a body longer than 1 MiB and says so', async () => {
    const text = (await fetcher.fetchText(`${base}/big`)) as string;
    expect(text).toBe(`${'a'.repeat(1024 * 1024)}\n[cut: the body is longer than 1048576 bytes]`);
  });

  it('refuses URLs that are not http(s) before any request', async () => {
    expect(await guestError(() => fetcher.fetchText('file:///etc/passwd'))).toMatch(/^only http:\/\/ and https:\/\/ URLs/);
    expect(await guestError(() => fetcher.fetchText('not a url'))).toBe('not a valid URL: not a url');
  });
});
