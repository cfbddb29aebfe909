import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/engine/log.js';
import { startEndpoints } from '../../src-main/engine/mcp/transports/endpoints.js';
import { readComponentFile } from '../../src-main/engine/runtime/sources.js';
import { createWeld, type Weld } from '../../src-main/engine/weld.js';
import { runWeld, tempHome } from '../helpers.js';
import { socketClient, socketIn } from '../transports/engine.js';
import { addComponent } from '../wasm-fixture.js';
import { CANARY_TEXT, Canary, hostileWasm, text } from './hostile-engine.js';

/**
 * The attack: a person gave the harmless tool `notes` a folder, an environment key and a secret. An MCP
 * client asks Weld to load other code under the same name. Whatever happens, the other code must not
 * inherit what the person gave `notes`.
 */
describe('grants bind to the code they were given to', { timeout: 180_000 }, () => {
  let weld: Weld;
  let home: string;
  let cleanup: () => void;
  let endpoints: Awaited<ReturnType<typeof startEndpoints>>;
  let client: Client;
  let granted: string;
  let canary: Canary;
  let hostile: string;

  beforeAll(async () => {
    ({ home, cleanup } = tempHome('weld-bind-'));
    granted = join(home, '..', `${home.split('/').pop()}-granted`);
    mkdirSync(granted, { recursive: true });
    canary = new Canary(granted);
    weld = await createWeld({ home, logger: silentLogger, env: { HOME: home, NOTES_TOKEN: CANARY_TEXT } });
    const notes = join(home, 'notes.wasm');
    writeFileSync(notes, await addComponent('bind-notes'));
    await weld.install({
      bytes: await readComponentFile(notes),
      sourceRef: pathToFileURL(notes).href,
      name: 'notes.wasm',
      policyYaml: null,
      signatureStatus: 'local',
      publisher: null,
    });
    weld.policy.grant({ componentId: 'notes', kind: 'storage', target: granted, access: 'read', by: 'ann' });
    weld.policy.grant({ componentId: 'notes', kind: 'environment', target: 'NOTES_TOKEN', by: 'ann' });
    weld.policy.secrets.set('notes', 'NOTES_TOKEN', CANARY_TEXT);
    // The other code, under the same file name in a folder the client controls.
    mkdirSync(join(home, 'drop'));
    hostile = join(home, 'drop', 'notes.wasm');
    copyFileSync(await hostileWasm(), hostile);
    endpoints = await startEndpoints(weld, { socket: true });
    client = await socketClient(socketIn(home), 'sneaky-client');
  }, 180_000);

  afterAll(async () => {
    await client?.close();
    await endpoints?.close();
    await weld?.stop();
    cleanup?.();
  });

  it('an MCP client cannot replace a component: it gets a request a person sees, naming the change', async () => {
    const before = weld.store.components.get('notes')?.digest;
    const r = await client.callTool({ name: 'load-component', arguments: { path: pathToFileURL(hostile).href } });
    expect(r.isError).toBeFalsy();
    expect(text(r as never)).toMatch(/asked the person to approve loading .* as "notes"/);
    expect(text(r as never)).toMatch(/replace the installed component "notes"/);
    // Nothing changed: the same code serves, with its grants.
    expect(weld.store.components.get('notes')?.digest).toBe(before);
    expect(weld.policy.grants('notes')).toHaveLength(2);
    const [pending] = weld.loads.pending();
    expect(pending).toMatchObject({ componentId: 'notes', replaces: before, requestedBy: 'mcp:sneaky-client/1.0.0' });
    expect(weld.store.audit.list().map((a) => a.action)).toContain('component.load-requested');
  });

  it('once a person allows the replacement, the new code has no grant, no environment value and no secret', async () => {
    const [pending] = weld.loads.pending();
    const { result } = await weld.loads.decide(pending.id, 'allow', 'ann');
    expect(result?.replaced?.id).toBe('notes');
    expect(weld.policy.grants('notes')).toEqual([]);
    expect(
      weld.policy
        .suspended('notes')
        .map((g) => g.kind)
        .sort(),
    ).toEqual(['environment', 'storage']);
    expect(weld.policy.plan('notes').env).toEqual([]);
    expect(weld.policy.plan('notes').mounts.filter((m) => m.read || m.write)).toEqual([]);

    const read = await weld.dispatcher.call({ tool: 'read-file', args: { path: 'canary.txt' }, client: 'sneaky-client' });
    expect(read.isError).toBe(true);
    expect(text(read)).not.toContain(CANARY_TEXT);
    const env = await weld.dispatcher.call({ tool: 'get-env', args: { key: 'NOTES_TOKEN' }, client: 'sneaky-client' });
    expect(JSON.stringify(env)).not.toContain(CANARY_TEXT);
    canary.check();
  });

  it('refuses a second answer to a load request', async () => {
    const r = await client.callTool({ name: 'load-component', arguments: { path: 'file:///nowhere/x.wasm' } });
    const id = (r.structuredContent as { requestId: string }).requestId;
    await weld.loads.decide(id, 'deny', 'ann');
    await expect(weld.loads.decide(id, 'allow', 'ann')).rejects.toThrow(/already denied by ann/);
  });

  it('answers a client the same whether the path exists or not, and reads nothing', async () => {
    const answers = [];
    for (const path of [join(home, 'weld.db'), '/nonexistent/secret.wasm', '/dev/zero']) {
      const r = await client.callTool({ name: 'load-component', arguments: { path: pathToFileURL(path).href } });
      answers.push(
        text(r as never)
          .replace(/\b[0-9a-f]{10}\b/g, 'ID')
          .replace(/loading \S+ as "[^"]+"/, 'loading P'),
      );
    }
    expect(new Set(answers).size).toBe(1);
  });
});

describe('reading a component file', () => {
  it('refuses /dev/zero, a FIFO and a huge sparse file at once, without reading them', async () => {
    const { home, cleanup } = tempHome('weld-read-');
    try {
      const fifo = join(home, 'pipe.wasm');
      execFileSync('mkfifo', [fifo]);
      const sparse = join(home, 'sparse.wasm');
      closeSync(openSync(sparse, 'w'));
      execFileSync('truncate', ['-s', '1G', sparse]);
      const rss = process.memoryUsage().rss;
      await expect(readComponentFile('/dev/zero')).rejects.toThrow(/not a regular file/);
      await expect(readComponentFile(fifo)).rejects.toThrow(/not a regular file/);
      await expect(readComponentFile(sparse)).rejects.toThrow(/larger than 256 MiB/);
      expect(process.memoryUsage().rss - rss).toBeLessThan(20 * 2 ** 20);
    } finally {
      cleanup();
    }
  });

  it('WELD_MAX_COMPONENT_MB sets the cap on a component file, and a bad value is a sentence', async () => {
    const { home, cleanup } = tempHome('weld-cap-');
    try {
      const file = join(home, 'padded.wasm');
      writeFileSync(file, await addComponent('cap', 2 * 2 ** 20));
      const capped = await runWeld(['install', file], home, { env: { WELD_MAX_COMPONENT_MB: '1' } });
      expect(capped.code).toBe(1);
      expect(capped.stderr).toMatch(/cannot read component .*padded\.wasm: it is larger than 1 MiB/);
      const bad = await runWeld(['inspect', file], home, { env: { WELD_MAX_COMPONENT_MB: 'lots' } });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('weld inspect: WELD_MAX_COMPONENT_MB must be a number of MiB (1-4096), got "lots"\n');
      const raised = await runWeld(['install', file], home, { env: { WELD_MAX_COMPONENT_MB: '3' } });
      expect(raised.code).toBe(0);
      expect(raised.stdout).toMatch(/^padded installed\n/);
    } finally {
      cleanup();
    }
  });
});
