import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiOutput } from '../../src-preload/api.js';
import { startTestApi, type TestApi } from '../../test/api.js';
import { buildComponent, exampleDir } from '../../test/fixtures/build.js';
import { silentLogger } from '../engine/log.js';
import { createWeld, type Weld } from '../engine/weld.js';
import { ApiError } from './context.js';
import { createApiEventStream } from './event-stream.js';
import { createApiDispatch } from './registry.js';

const BUILD_TIMEOUT = 180_000;

let wasm: Buffer;
let shared: string;
beforeAll(async () => {
  wasm = readFileSync(await buildComponent(exampleDir('read-file')));
  shared = mkdtempSync(join(tmpdir(), 'weld-shared-'));
  mkdirSync(join(shared, 'notes'));
  writeFileSync(join(shared, 'notes', 'todo.txt'), 'buy milk\n');
}, BUILD_TIMEOUT);
afterAll(() => rmSync(shared, { recursive: true, force: true }));

let api: TestApi;
let home: string;
let weld: Weld;
beforeEach(async () => {
  api = await startTestApi();
  ({ home, weld } = api);
});
afterEach(() => api.stop());

const call: TestApi['call'] = (name, input) => api.call(name, input);

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

const upload = (bytes: Buffer = wasm, policyYaml?: string) =>
  call('components.analyze', {
    source: { kind: 'upload', fileName: 'read-file.wasm', wasmBase64: bytes.toString('base64'), policyYaml },
  });

const POLICY = readFileSync(join(exampleDir('read-file'), 'policy.yaml'), 'utf8');

describe('install from the UI', () => {
  it('shows tools and requested capabilities of a dropped file without installing it', async () => {
    const preview = await upload(wasm, POLICY);
    expect(preview).toMatchObject({
      id: 'read-file',
      signatureStatus: 'local',
      publisher: null,
      hasPolicy: true,
      size: wasm.length,
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      alreadyInstalledAs: null,
      replacesDigest: null,
    });
    expect(preview.tools.map((t) => t.name).sort()).toEqual(['list-dir', 'read-file']);
    expect(preview.requestedCapabilities).toEqual([
      { kind: 'storage', target: 'fs://./data/**', access: 'read', source: 'policy' },
    ]);
    expect(await call('components.list', {})).toEqual([]);
    expect(weld.tools.has('read-file')).toBe(false);
  });

  it('installs what was shown, grants the folder the person chose, and the tool reads from it', async () => {
    const preview = await upload(wasm, POLICY);
    const done = await call('components.install', {
      previewId: preview.previewId,
      approve: [{ kind: 'storage', target: `${shared}/**`, access: 'read' }],
    });
    expect(done.component).toMatchObject({ id: 'read-file', digest: preview.digest, enabled: true });
    expect(done.granted).toMatchObject([{ kind: 'storage', target: `fs://${shared}/**`, access: 'read', scope: 'always' }]);

    const result = await weld.dispatcher.call({
      tool: 'read-file',
      args: { path: join(shared, 'notes', 'todo.txt') },
      client: 't',
    });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain('buy milk');

    const listed = await call('grants.list', { componentId: 'read-file' });
    expect(listed.grants).toMatchObject([{ target: `fs://${shared}/**`, decidedBy: 'user:web-ui' }]);
    // The policy's placeholder folder was not approved: it stays "asked when used".
    expect(listed.requested).toEqual([
      { kind: 'storage', target: 'fs://./data/**', access: 'read', source: 'policy', granted: false },
    ]);
    weld.store.recorder.flush();
    const actions = weld.store.audit.search().map((r) => [r.actor, r.action]);
    expect(actions).toContainEqual(['user:web-ui', 'component.installed']);
    expect(actions).toContainEqual(['user:web-ui', 'policy.grant']);

    // The preview is used up: a second click cannot install twice.
    expect(await refusal(call('components.install', { previewId: preview.previewId, approve: [] }))).toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/expired or was already used/),
    });
  });

  it('refuses a mistyped folder before installing anything', async () => {
    const preview = await upload(wasm, POLICY);
    const r = await refusal(
      call('components.install', { previewId: preview.previewId, approve: [{ kind: 'storage', target: 'notes/**' }] }),
    );
    expect(r.code).toBe('bad-input');
    expect(r.message).toMatch(/Cannot allow storage "notes\/\*\*"/);
    expect(await call('components.list', {})).toEqual([]);
    const any = await refusal(
      call('components.install', { previewId: preview.previewId, approve: [{ kind: 'network', target: '*' }] }),
    );
    expect(any.message).toMatch(/cannot be allowed in advance/);
  });

  it('explains files that are not components, bad policies and bad uploads', async () => {
    const core = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(await refusal(upload(core))).toMatchObject({
      code: 'bad-input',
      message: expect.stringMatching(/core WebAssembly module, not a component/),
    });
    expect(await refusal(upload(Buffer.from('hello')))).toMatchObject({
      message: expect.stringMatching(/^Not a WebAssembly file/),
    });
    expect(await refusal(upload(wasm, 'version: "1.0"\npermissions:\n  storage: 12\n'))).toMatchObject({
      code: 'bad-input',
      message: expect.stringMatching(/^The policy file is not valid: line \d+/),
    });
    const notBase64 = await refusal(
      call('components.analyze', { source: { kind: 'upload', fileName: 'x.wasm', wasmBase64: 'not base64!' } }),
    );
    expect(notBase64).toMatchObject({
      code: 'bad-input',
      message: 'The component file: arrived damaged (not base64); choose it again.',
    });
    const path = await refusal(
      call('components.analyze', { source: { kind: 'upload', fileName: '../../x.wasm', wasmBase64: 'AA==' } }),
    );
    expect(path.message).toBe('The file name: a file name, not a path.');
    const missing = await refusal(call('components.analyze', { source: { kind: 'ref', ref: join(home, 'nope.wasm') } }));
    expect(missing).toMatchObject({
      code: 'bad-input',
      message: expect.stringMatching(/^Cannot read component .*: no such file\.$/),
    });
    const scheme = await refusal(call('components.analyze', { source: { kind: 'ref', ref: 'https://evil.example/x.wasm' } }));
    expect(scheme.message).toMatch(/Unsupported source/);
  });

  it('says when the same component is already installed', async () => {
    const first = await upload(wasm, POLICY);
    await call('components.install', { previewId: first.previewId, approve: [] });
    const again = await upload(wasm, POLICY);
    expect(again.alreadyInstalledAs).toBe('read-file');
    const done = await call('components.install', { previewId: again.previewId, approve: [] });
    expect(done.unchanged).toBe(true);
  });
});

describe('grants, enable and remove from the UI', () => {
  beforeEach(async () => {
    const preview = await upload(wasm, POLICY);
    await call('components.install', {
      previewId: preview.previewId,
      approve: [{ kind: 'storage', target: `${shared}/**`, access: 'read' }],
    });
  });

  it('revokes a grant, after which the tool can no longer read the folder', async () => {
    expect(await call('grants.revoke', { componentId: 'read-file', kind: 'storage', target: `fs://${shared}/**` })).toEqual({
      removed: 1,
      narrowed: 0,
    });
    expect((await call('grants.list', { componentId: 'read-file' })).grants).toEqual([]);
    const result = await weld.dispatcher.call({
      tool: 'read-file',
      args: { path: join(shared, 'notes', 'todo.txt') },
      client: 't',
    });
    expect(JSON.stringify(result.content)).not.toContain('buy milk');
    const again = await refusal(
      call('grants.revoke', { componentId: 'read-file', kind: 'storage', target: `fs://${shared}/**` }),
    );
    expect(again).toMatchObject({ code: 'not-found', message: expect.stringMatching(/has no storage grant/) });
  });

  it('grants a capability later, for the session only', async () => {
    const g = await call('grants.add', {
      componentId: 'read-file',
      capability: { kind: 'environment', target: 'LANG' },
      scope: 'session',
    });
    expect(g).toMatchObject({ kind: 'environment', target: 'LANG', scope: 'session', decidedBy: 'user:web-ui' });
    expect(
      await refusal(call('grants.add', { componentId: 'nope', capability: { kind: 'environment', target: 'LANG' } })),
    ).toMatchObject({
      code: 'not-found',
    });
  });

  it('disabling takes the tools off the MCP list and enabling brings them back', async () => {
    await call('components.setEnabled', { id: 'read-file', enabled: false });
    expect(weld.tools.has('read-file')).toBe(false);
    await call('components.setEnabled', { id: 'read-file', enabled: true });
    expect(weld.tools.has('read-file')).toBe(true);
    const result = await weld.dispatcher.call({
      tool: 'read-file',
      args: { path: join(shared, 'notes', 'todo.txt') },
      client: 't',
    });
    expect(JSON.stringify(result.content)).toContain('buy milk');
  });

  it('removes the component with its tools', async () => {
    await call('components.remove', { id: 'read-file' });
    expect(weld.tools.has('read-file')).toBe(false);
    expect(await call('components.list', {})).toEqual([]);
    weld.store.recorder.flush();
    expect(weld.store.audit.search().map((r) => r.action)).toContain('component.removed');
  });
});

describe('just-in-time requests from the UI', () => {
  // The policy asks for two folders; the person allows only one. The other is requested, not granted,
  // so touching it asks a person.
  beforeEach(async () => {
    mkdirSync(join(shared, 'private'), { recursive: true });
    writeFileSync(join(shared, 'private', 'secret.txt'), 'top secret\n');
    const policy = `version: "1.0"
permissions:
  storage:
    allow:
      - uri: "fs://${shared}/notes/**"
        access: [read]
      - uri: "fs://${shared}/private/**"
        access: [read]
`;
    const preview = await upload(wasm, policy);
    await call('components.install', {
      previewId: preview.previewId,
      approve: [{ kind: 'storage', target: `fs://${shared}/notes/**`, access: 'read' }],
    });
  });

  const secret = () => join(shared, 'private', 'secret.txt');

  async function pendingSoon(): Promise<ApiOutput<'requests.list'>> {
    for (let i = 0; i < 600; i++) {
      const list = await call('requests.list', {});
      if (list.length) return list;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('no request appeared');
  }

  it('holds the call while the UI is open, lists the request with its tool, and an "allow once" lets it finish', async () => {
    const stream = createApiEventStream(weld, { decider: 'web-ui', pollMs: 50 });
    const off = stream.subscribe(() => {});
    try {
      const running = weld.dispatcher.call({ tool: 'read-file', args: { path: secret() }, client: 'e2e/1' });
      const [req] = await pendingSoon();
      expect(req).toMatchObject({
        componentId: 'read-file',
        tool: 'read-file',
        client: 'e2e/1',
        kind: 'storage',
        target: `fs://${join(shared, 'private')}`,
        access: 'read',
        origin: 'runtime',
      });
      expect(await call('requests.decide', { requestId: req.id, answer: 'once' })).toEqual({ id: req.id, status: 'allowed' });
      const result = await running;
      expect(JSON.stringify(result.content)).toContain('top secret');
      expect(await call('requests.list', {})).toEqual([]);
      const twice = await refusal(call('requests.decide', { requestId: req.id, answer: 'deny' }));
      expect(twice).toMatchObject({ code: 'conflict', message: expect.stringMatching(/already allowed by user:web-ui/) });
    } finally {
      off();
      stream.close();
    }
  });

  it('a request held by another Weld process names the waiting tool, its arguments and its client', async () => {
    // The window belongs to a second engine on the same data dir (the tray app), the call to the first.
    const other = await createWeld({ home, logger: silentLogger, env: { HOME: home } });
    const window = createApiDispatch({
      weld: other,
      actor: 'user:tray',
      shell: 'electron',
      httpUrl: null,
      socketPath: null,
      launcher: { command: 'weld', args: [] },
    });
    const stream = createApiEventStream(other, { decider: 'tray', pollMs: 50 });
    const off = stream.subscribe(() => {});
    try {
      const running = weld.dispatcher.call({ tool: 'read-file', args: { path: secret() }, client: 'claude/1' });
      let list: ApiOutput<'requests.list'> = [];
      for (let i = 0; i < 600 && !list[0]?.args; i++) {
        list = (await window('requests.list', {})) as ApiOutput<'requests.list'>;
        if (!list[0]?.args) await new Promise((r) => setTimeout(r, 25));
      }
      expect(list[0]).toMatchObject({ tool: 'read-file', client: 'claude/1', args: JSON.stringify({ path: secret() }) });
      await window('requests.decide', { requestId: list[0].id, answer: 'deny' });
      await running;
      // The live log shows the same arguments in the call's details.
      const [logged] = await call('calls.list', { tool: 'read-file', limit: 1 });
      expect((await call('calls.get', { id: logged.id })).args).toBe(JSON.stringify({ path: secret() }));
    } finally {
      off();
      stream.close();
      await other.stop();
    }
  });

  it('a denial fails the call without revealing the file', async () => {
    const stream = createApiEventStream(weld, { decider: 'web-ui', pollMs: 50 });
    const off = stream.subscribe(() => {});
    try {
      const running = weld.dispatcher.call({ tool: 'read-file', args: { path: secret() }, client: 'e2e/1' });
      const [req] = await pendingSoon();
      await call('requests.decide', { requestId: req.id, answer: 'deny' });
      const result = await running;
      expect(JSON.stringify(result.content)).not.toContain('top secret');
    } finally {
      off();
      stream.close();
    }
  });

  it('with no UI open, the call is denied at once instead of waiting', async () => {
    const result = await weld.dispatcher.call({ tool: 'read-file', args: { path: secret() }, client: 'e2e/1' });
    expect(JSON.stringify(result.content)).not.toContain('top secret');
    expect(await call('requests.list', {})).toEqual([]);
    expect(await refusal(call('requests.decide', { requestId: 'nope', answer: 'once' }))).toMatchObject({ code: 'not-found' });
  });
});
