import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComponent, exampleDir } from '../fixtures/build.js';
import { resultText, serveStdio, tempHome, weldOk } from '../helpers.js';
import { CANARY_TEXT, Canary } from '../security/hostile-engine.js';

/**
 * The examples as a person uses them: installed and granted with the CLI, called by an MCP client
 * over `weld serve --stdio`. read-file gets `fs://<tmp>/data` read; fetch, installed by the CLI while
 * the client is connected, gets `http://127.0.0.1:<port>`; time, asked for by the client itself
 * (load-component) and allowed by the person, gets nothing.
 */
describe('example components through an MCP client', { timeout: 120_000 }, () => {
  let home: ReturnType<typeof tempHome>;
  let base: string;
  let canary: Canary;
  let client: Client;
  let wasm: Record<'time' | 'readFile' | 'fetch', string>;
  let listChanged = 0;
  let site: http.Server;
  let sitePort: number;
  let other: http.Server;
  let otherPort: number;
  const otherSeen: string[] = [];

  const weld = (...args: string[]) => weldOk(home.home, args);
  const call = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args });

  beforeAll(async () => {
    const [time, readFile, fetch] = await Promise.all(['time', 'read-file', 'fetch'].map((n) => buildComponent(exampleDir(n))));
    wasm = { time, readFile, fetch };
    home = tempHome();
    base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-examples-')));
    mkdirSync(join(base, 'data'));
    writeFileSync(join(base, 'data', 'hello.txt'), 'hello from the granted folder');
    canary = new Canary(base);
    other = http.createServer((req, res) => {
      otherSeen.push(`${req.method} ${req.url}`);
      res.end(CANARY_TEXT);
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    otherPort = (other.address() as AddressInfo).port;
    site = http.createServer((req, res) => {
      if (req.url === '/elsewhere') {
        res.writeHead(302, { location: `http://127.0.0.1:${otherPort}/stolen` });
        res.end();
      } else res.end(`local page ${req.url}`);
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    sitePort = (site.address() as AddressInfo).port;

    await weld(
      'install',
      wasm.readFile,
      '--name',
      'read-file',
      '--policy',
      join(exampleDir('read-file'), 'policy.yaml'),
      '--yes',
    );
    await weld('grant', 'read-file', 'storage', `fs://${base}/data`, '--access', 'read');

    client = new Client({ name: 'examples-test', version: '1.0.0' });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      listChanged += 1;
    });
    await client.connect(serveStdio(home.home));
  }, 240_000);
  afterAll(async () => {
    await client?.close();
    site?.close();
    other?.close();
    home?.cleanup();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('the client installs the time example itself with load-component and hears that the tools changed', async () => {
    const file = join(base, 'time.wasm');
    copyFileSync(wasm.time, file);
    const before = listChanged;
    const r = await call('load-component', { path: pathToFileURL(file).href });
    expect(r.isError, resultText(r)).toBeFalsy();
    expect(resultText(r)).toMatch(/^Weld asked the person to approve loading .*time\.wasm as "time"/);
    // The client only asks: the person allows it from their terminal, and the server picks it up.
    const requestId = (r.structuredContent as { requestId: string }).requestId;
    expect((await weld('requests', 'allow', requestId)).stdout).toMatch(
      /^Loaded .* as time \(sha256:[0-9a-f]{64}\)\. Tools: now, current-moment/,
    );
    // A client may ask for a tool, but loading grants it nothing.
    const policy = JSON.parse((await weld('policy', 'show', 'time', '--json')).stdout) as { grants: unknown[] };
    expect(policy.grants).toEqual([]);
    await expect.poll(() => listChanged, { timeout: 10_000 }).toBeGreaterThan(before);
  });

  it('lists the example tools with schemas from their WIT', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('read-file')).toMatchObject({
      description: expect.stringContaining('Read a UTF-8 text file'),
      inputSchema: {
        type: 'object',
        properties: { path: { type: 'string', description: 'The file to read, e.g. "notes/todo.txt".' } },
        required: ['path'],
      },
    });
    expect(byName.get('list-dir')?.inputSchema).toMatchObject({ required: ['path'] });
    const now = byName.get('now')?.inputSchema as { properties: Record<string, unknown>; required: string[] };
    // An option may be left out: "now" with no arguments is UTC.
    expect(now.required).toEqual([]);
    expect(JSON.stringify(now.properties['timezone-offset-minutes'])).toMatch(/"integer"/);
    expect(JSON.stringify(now.properties['timezone-offset-minutes'])).toMatch(/"null"/);
    expect(byName.has('current-moment')).toBe(true);
  });

  it('time works with no grants at all, and its optional offset may be left out', async () => {
    const r = await call('now', { 'timezone-offset-minutes': null });
    expect(r.isError).toBeFalsy();
    expect(Math.abs(Date.parse(resultText(r)) - Date.now())).toBeLessThan(60_000);
    const bare = await call('now');
    expect(bare.isError, resultText(bare)).toBeFalsy();
    expect(Math.abs(Date.parse(resultText(bare)) - Date.now())).toBeLessThan(60_000);
  });

  it('read-file reads inside the granted folder and is refused outside it', async () => {
    const ok = await call('read-file', { path: `${base}/data/hello.txt` });
    expect(ok.isError, resultText(ok)).toBeFalsy();
    expect(resultText(ok)).toBe('hello from the granted folder');

    // The guest itself refuses a path outside every preopen; the host refuses one that climbs out of it.
    const outside = await call('read-file', { path: canary.path });
    expect(outside.isError).toBe(true);
    expect(resultText(outside)).toContain(`${canary.path} is outside the granted directories`);
    const climb = await call('read-file', { path: `${base}/data/../canary.txt` });
    expect(climb.isError).toBe(true);
    expect(resultText(climb)).toMatch(/Weld denied this tool:\n- fs:\/\/\S*canary\.txt \(read\)/);
    for (const r of [outside, climb]) expect(resultText(r)).not.toContain(CANARY_TEXT);
    canary.check();
  });

  it('bad arguments are an MCP error naming the field, and the server keeps answering', async () => {
    await expect(call('read-file', { path: 42 })).rejects.toThrow(/field "path"/);
    await expect(call('read-file', {})).rejects.toThrow(/missing required field "path"/);
    await expect(call('now', { 'timezone-offset-minutes': '60' })).rejects.toThrow(/field "timezone-offset-minutes"/);
    await expect(call('now', { 'timezone-offset-minutes': 2 ** 31 })).rejects.toThrow(/field "timezone-offset-minutes"/);
    // Within s32 but outside any time zone: the schema cannot say that, the tool does.
    const far = await call('now', { 'timezone-offset-minutes': 5000 });
    expect(far.isError).toBe(true);
    expect(resultText(far)).toMatch(/must be between -720 and 840/);
    expect((await call('now', { 'timezone-offset-minutes': 60 })).isError).toBeFalsy();
  });

  it('a component installed while the client is connected announces itself, then fetches only what is granted', async () => {
    const before = listChanged;
    await weld('install', wasm.fetch, '--name', 'fetch', '--policy', join(exampleDir('fetch'), 'policy.yaml'), '--yes');
    await expect.poll(() => listChanged, { timeout: 15_000 }).toBeGreaterThan(before);
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'fetch-text')?.inputSchema).toMatchObject({ required: ['url'] });

    await weld('grant', 'fetch', 'network', `http://127.0.0.1:${sitePort}`);
    // The grant was made by another process: the server picks it up at its next store poll.
    await expect
      .poll(async () => resultText(await call('fetch-text', { url: `http://127.0.0.1:${sitePort}/page` })), { timeout: 15_000 })
      .toBe('local page /page');

    const denied = await call('fetch-text', { url: `http://127.0.0.1:${otherPort}/direct` });
    expect(denied.isError).toBe(true);
    expect(resultText(denied)).toContain(`To allow it: weld grant fetch network 127.0.0.1:${otherPort}`);
    // The example follows redirects hop by hop; the hop to the ungranted host is checked and refused.
    const redirected = await call('fetch-text', { url: `http://127.0.0.1:${sitePort}/elsewhere` });
    expect(redirected.isError).toBe(true);
    expect(resultText(redirected)).toContain(`weld grant fetch network 127.0.0.1:${otherPort}`);
    expect(otherSeen).toEqual([]);
    expect(resultText(await call('now', { 'timezone-offset-minutes': null }))).toMatch(/^\d{4}-/);
  });

  it('the run left a verifiable audit log with the denials in the call log', async () => {
    const audit = await weld('audit', '--verify');
    expect(audit.stdout).toMatch(/^Audit log intact/);
    const logs = await weld('logs', '--json');
    const rows = logs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { tool: string; status: string });
    expect(rows.filter((r) => r.tool === 'fetch-text' && r.status === 'denied').length).toBeGreaterThanOrEqual(2);
    expect(rows.filter((r) => r.tool === 'read-file' && r.status === 'ok')).toHaveLength(1);
  });
});
