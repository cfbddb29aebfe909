import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/engine/log.js';
import { resolveSource } from '../../src-main/engine/runtime/sources.js';
import { createWeld, type Weld } from '../../src-main/engine/weld.js';
import { buildComponent, fixtureDir } from '../fixtures/build.js';
import { resultText } from '../helpers.js';

/**
 * Components of the shapes people bring from elsewhere (tools written for Wassette), as a model meets
 * them through the SDK client: a function exported through an interface, an API key read through
 * wasi:config, and a 95-function REST wrapper whose failures trap; installed with their policies and
 * nothing granted.
 */

const COMPONENTS = [
  { dir: 'iface-clock', id: 'clock' },
  { dir: 'config-weather', id: 'get-weather' },
  { dir: 'issue-tracker', id: 'tracker' },
] as const;

type Schema = { type?: string; anyOf?: Schema[]; enum?: unknown[]; properties?: Record<string, Schema>; required?: string[] };

/** Every sub-schema of `s`, itself included. */
function* subSchemas(s: Schema): Generator<Schema> {
  yield s;
  for (const v of Object.values(s)) {
    if (Array.isArray(v)) for (const item of v) if (item && typeof item === 'object') yield* subSchemas(item as Schema);
    if (v && typeof v === 'object' && !Array.isArray(v)) yield* subSchemas(v as Schema);
  }
}

describe('third-party component shapes through an MCP client', { timeout: 240_000 }, () => {
  let base: string;
  let weld: Weld;
  let client: Client;
  let tools: Map<string, Tool>;
  const byComponent = new Map<string, Tool[]>();
  const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args });

  beforeAll(async () => {
    const wasm = await Promise.all(COMPONENTS.map((c) => buildComponent(fixtureDir(c.dir))));
    base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-third-party-')));
    mkdirSync(join(base, 'home'));
    weld = await createWeld({ home: join(base, 'home'), logger: silentLogger, env: { HOME: join(base, 'user') } });
    for (const [i, c] of COMPONENTS.entries()) {
      const src = await resolveSource(wasm[i]!, { policyPath: join(fixtureDir(c.dir), 'policy.yaml'), registry: weld.registry });
      const { record } = await weld.install({ ...src, name: `${c.id}.wasm` }, { actor: 'test' });
      expect(record.id).toBe(c.id);
    }
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await weld.createMcpServer().connect(serverSide);
    client = new Client({ name: 'third-party-test', version: '1.0.0' });
    await client.connect(clientSide);
    const listed = (await client.listTools()).tools;
    tools = new Map(listed.map((t) => [t.name, t]));
    for (const c of COMPONENTS)
      byComponent.set(
        c.id,
        weld.store.components
          .get(c.id)!
          .tools.map((t) => tools.get(t.name))
          .filter((t): t is Tool => t !== undefined),
      );
  }, 240_000);
  afterAll(async () => {
    await client?.close();
    await weld?.stop();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('lists every export as a tool named in WIT kebab-case, without interface prefixes nobody needs', () => {
    expect(byComponent.get('clock')!.map((t) => t.name)).toEqual(['get-current-time']);
    expect(byComponent.get('get-weather')!.map((t) => t.name)).toEqual(['get-weather']);
    const tracker = byComponent.get('tracker')!;
    expect(tracker).toHaveLength(95);
    for (const t of [...byComponent.values()].flat()) expect(t.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(tracker.map((t) => t.name)).toContain('list-issues');
  });

  it('describes each tool by its parameters and result, never with filler naming a file or an install id', () => {
    for (const [id, list] of byComponent) {
      for (const t of list) {
        const d = t.description ?? '';
        expect(d, t.name).not.toMatch(/\.wasm|of the component/);
        expect(d, t.name).not.toMatch(/^Calls \S+( of \S+)?\.?$/);
        // What the name alone cannot say: every parameter by name, and what comes back.
        for (const p of Object.keys(t.inputSchema.properties ?? {})) expect(d, `${t.name} ${p}`).toContain(p);
        expect(d, t.name).toMatch(/Returns /);
        if (id === 'tracker') expect(d, t.name).not.toContain(id);
      }
    }
    expect(tools.get('get-current-time')?.description).toMatch(/no arguments.*Returns a string/);
    expect(tools.get('list-issues')?.description).toMatch(/owner: a string; repo: a string; state \(optional\): a string/);
  });

  it('gives plain number schemas and leaves every option<T> parameter out of required', () => {
    for (const t of [...byComponent.values()].flat()) {
      for (const s of subSchemas(t.inputSchema as Schema)) {
        // Non-finite spellings belong in results only; an argument is a plain JSON number.
        expect(JSON.stringify(s), t.name).not.toMatch(/NaN|Infinity/);
        if (s.type === 'number') expect(s, t.name).toEqual({ type: 'number' });
      }
    }
    const listIssues = tools.get('list-issues')!.inputSchema as Schema;
    expect(listIssues.required).toEqual(['owner', 'repo']);
    expect(listIssues.properties?.state).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    expect(listIssues.properties?.['per-page']?.anyOf?.[1]).toEqual({ type: 'null' });
    const create = tools.get('create-issue')!.inputSchema as Schema;
    expect(create.required).toEqual(['owner', 'repo', 'title', 'draft']);
  });

  it('calls the clock with no arguments', async () => {
    const r = await call('get-current-time', {});
    expect(r.isError, resultText(r)).toBeFalsy();
    expect(Date.parse(resultText(r))).not.toBeNaN();
  });

  it('answers get-weather without its key with the command that provides it', async () => {
    const r = await call('get-weather', { city: 'Paris' });
    expect(r.isError).toBe(true);
    const text = resultText(r);
    expect(text).toMatch(/^Error: OPENWEATHER_API_KEY is not set/);
    expect(text).toContain('weld secret set get-weather OPENWEATHER_API_KEY');
  });

  it("runs list-issues with only owner and repo; a trap shows the guest's message and the missing key's command", async () => {
    const r = await call('list-issues', { owner: 'octocat', repo: 'hello-world' });
    expect(r.isError).toBe(true);
    const text = resultText(r);
    expect(text).not.toMatch(/missing required|Invalid arguments/);
    // The guest threw an Error where a string was due: componentize-js's own message, from its stderr.
    expect(text).toMatch(/^The component failed: wasm trap/);
    expect(text).toContain('expected a string, received [object]');
    expect(text).toContain('weld secret set tracker GITHUB_TOKEN');
  });

  it('with its token set, list-issues (null options included) is refused the network with the grant command', async () => {
    weld.policy.secrets.set('tracker', 'GITHUB_TOKEN', 'ghp_not-a-real-token');
    weld.policy.grant({ componentId: 'tracker', kind: 'environment', target: 'GITHUB_TOKEN', by: 'test' });
    const r = await call('list-issues', { owner: 'octocat', repo: 'hello-world', state: null, page: null });
    expect(r.isError).toBe(true);
    const text = resultText(r);
    expect(text).not.toMatch(/missing required|Invalid arguments|GITHUB_TOKEN/);
    expect(text).toMatch(/Weld denied this tool:\n- network api\.github\.com is not granted/);
    expect(text).toContain('weld grant tracker network api.github.com');
  });

  it('refuses list-issues without a required argument before the guest runs', async () => {
    await expect(call('list-issues', { owner: 'octocat' })).rejects.toThrow(/missing required field "repo"/);
  });
});
