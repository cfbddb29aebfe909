import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultText, runWeld, serveStdio, tempHome, weldOk } from '../helpers.js';
import { addComponent } from '../wasm-fixture.js';

/**
 * A folder the person marks as a component source lets an MCP client add new components from it without
 * asking; everything else about load-component stays a request (issue 16).
 */
describe('component sources: folders an MCP client may load new components from', { timeout: 120_000 }, () => {
  let home: ReturnType<typeof tempHome>;
  let base: string;
  let src: string;
  let outside: string;
  let client: Client;
  const weld = (...args: string[]) => weldOk(home.home, args);
  const load = async (path: string) => {
    const r = await client.callTool({ name: 'load-component', arguments: { path: pathToFileURL(path).href } });
    return { text: resultText(r), isError: Boolean(r.isError), data: r.structuredContent as Record<string, unknown> };
  };

  beforeAll(async () => {
    home = tempHome();
    base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-sources-')));
    src = join(base, 'build');
    outside = join(base, 'elsewhere');
    mkdirSync(src);
    mkdirSync(outside);
    writeFileSync(join(src, 'calc.wasm'), await addComponent('sources-calc'));
    writeFileSync(join(outside, 'other.wasm'), await addComponent('sources-other'));
    symlinkSync(join(outside, 'other.wasm'), join(src, 'escape.wasm'));
    client = new Client({ name: 'sources-test', version: '1.0.0' });
    await client.connect(serveStdio(home.home));
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    home?.cleanup();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('refuses to mark the file system root, Weld data dir, a file or a missing folder', async () => {
    for (const [folder, why] of [
      ['/', /whole file system/],
      [home.home, /holds Weld's own data/],
      [join(src, 'calc.wasm'), /is not a folder/],
      [join(base, 'missing'), /does not exist/],
      ['relative/dir', /not an absolute path/],
    ] as const) {
      const r = await runWeld(['sources', 'add', folder], home.home);
      expect(r.code, folder).toBe(2);
      expect(r.stderr, folder).toMatch(why);
    }
    expect((await weld('sources')).stdout).toMatch(/No component sources/);
  });

  it('before a folder is marked, a load from it is only a request', async () => {
    const r = await load(join(src, 'calc.wasm'));
    expect(r.text).toMatch(/^Weld asked the person to approve loading/);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('add');
  });

  it('a new component from a marked folder is installed at once, with no grants', async () => {
    expect((await weld('sources', 'add', `${src}/`)).stdout).toBe(
      `MCP clients may now add components from ${src} without asking you.\n`,
    );
    expect((await weld('sources')).stdout).toBe(`${src}\n`);
    const r = await load(join(src, 'calc.wasm'));
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toMatch(
      /^Installed "calc" from file:\/\/.*calc\.wasm \(a component source the person marked\), with tools: add\./,
    );
    expect(r.data).toMatchObject({ componentId: 'calc', tools: ['add'], status: 'installed' });
    const call = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    expect(resultText(call)).toBe('42');
    const policy = JSON.parse((await weld('policy', 'show', 'calc', '--json')).stdout) as { grants: unknown[] };
    expect(policy.grants).toEqual([]);
    const audit = (await weld('audit', '--json')).stdout;
    expect(audit).toMatch(/"action":"settings.changed".*"componentSource":true/);
    expect(audit).toMatch(/"action":"component.installed","subject":"calc"/);
  });

  it('code that would replace an installed component still asks, and the installed code keeps serving', async () => {
    writeFileSync(join(src, 'calc.wasm'), await addComponent('sources-calc-v2'));
    const r = await load(join(src, 'calc.wasm'));
    expect(r.text).toMatch(
      /^Weld asked the person to approve loading .* as "calc".*It would replace the installed component "calc"/,
    );
    expect(resultText(await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }))).toBe('2');
  });

  it('a request made before the component was installed cannot be allowed any more: the person saw no replacement', async () => {
    // The first test's request for build/calc.wasm said it replaced nothing; calc is installed now.
    const pending = JSON.parse((await weld('requests', '--json')).stdout) as {
      kind?: string;
      id: string;
      ref: string;
      replaces: string | null;
    }[];
    const old = pending.find(
      (l) => l.kind === 'load' && l.ref === pathToFileURL(join(src, 'calc.wasm')).href && l.replaces === null,
    );
    expect(old).toBeDefined();
    const r = await runWeld(['requests', 'allow', old?.id ?? ''], home.home);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/is out of date: "calc" was installed since the client asked, so it has to ask again/);
    expect(resultText(await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }))).toBe('2');
  });

  it('a path outside by its text, or leading outside through a symlink, is a request and reads nothing', async () => {
    for (const path of [join(outside, 'other.wasm'), join(src, 'escape.wasm'), `${src}/../elsewhere/other.wasm`]) {
      const r = await load(path);
      expect(r.text, path).toMatch(/^Weld asked the person to approve loading/);
    }
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('other');
  });

  it('a missing file inside the folder is a clear error, and the connection goes on', async () => {
    const r = await load(join(src, 'missing.wasm'));
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^Not loaded: cannot read component .*missing\.wasm: no such file/);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('after the folder is unmarked, loads from it ask again', async () => {
    writeFileSync(join(src, 'fresh.wasm'), await addComponent('sources-fresh'));
    expect((await weld('sources', 'remove', src)).stdout).toMatch(/^Loads from .* ask you again\. No component sources left\./);
    const r = await load(join(src, 'fresh.wasm'));
    expect(r.text).toMatch(/^Weld asked the person to approve loading .* as "fresh"/);
    const missing = await runWeld(['sources', 'remove', src], home.home);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/is not a component source/);
  });
});
