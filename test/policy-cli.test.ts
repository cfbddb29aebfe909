import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src-main/engine/events.js';
import { createPolicyEngine, parsePolicy } from '../src-main/engine/policy/index.js';
import { openStore } from '../src-main/engine/store/index.js';
import { type CliResult, runWeld, sampleComponent, tempHome, WELD_BIN } from './helpers.js';

let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ home, cleanup } = tempHome('weld-policy-cli-'));
  const store = openStore(join(home, 'weld.db'));
  store.components.put(sampleComponent());
  store.close();
});
afterEach(() => cleanup());

const env = { USER: 'ann', HOME: '/home/ann' };
const weld = (args: string[]) => runWeld(args, home, { env });

function ok(r: CliResult): CliResult {
  expect(r.stderr === '' || r.code === 0 ? r.code : r.stderr).toBe(0);
  return r;
}

/** Runs `weld` with text on stdin, as `echo value | weld secret set ...` would. */
function weldWithStdin(args: string[], input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WELD_BIN, ...args], { env: { ...process.env, WELD_HOME: home, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('weld grant / revoke / policy', () => {
  it('refuses a grant for a component that is not installed', async () => {
    const r = await weld(['grant', 'ghost', 'network', 'api.github.com']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('weld grant: no component "ghost" is installed (see `weld list`)\n');
  });

  it('refuses malformed targets and kinds with a reason', async () => {
    const bad = await weld(['grant', 'fetch-notes', 'network', 'api.*.com']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/wildcard must be the whole first label/);
    const kind = await weld(['grant', 'fetch-notes', 'files', '/tmp']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/unknown capability kind "files"/);
    const access = await weld(['grant', 'fetch-notes', 'network', 'a.com', '--access', 'read']);
    expect(access.code).toBe(2);
  });

  it('grants, shows, exports and revokes, with every decision in a verified audit log', async () => {
    expect(ok(await weld(['grant', 'fetch-notes', 'storage', 'fs://~/Documents/notes/**', '--access', 'read'])).stdout).toBe(
      'Granted fetch-notes: storage fs:///home/ann/Documents/notes/** (read) [always]\n',
    );
    ok(await weld(['grant', 'fetch-notes', 'network', 'API.github.com:443', '--expires', '7d']));
    ok(await weld(['grant', 'fetch-notes', 'env', 'GITHUB_TOKEN']));

    const shown = JSON.parse(ok(await weld(['policy', 'show', 'fetch-notes', '--json'])).stdout);
    expect(shown.requested.map((c: { target: string; granted: boolean }) => [c.target, c.granted])).toEqual([
      ['fs://~/Documents/notes/**', true],
      ['api.github.com:443', true],
      ['GITHUB_TOKEN', true],
    ]);
    expect(shown.grants.map((g: { target: string; decidedBy: string }) => [g.target, g.decidedBy])).toEqual([
      ['GITHUB_TOKEN', 'cli:ann'],
      ['api.github.com:443', 'cli:ann'],
      ['fs:///home/ann/Documents/notes/**', 'cli:ann'],
    ]);
    const text = ok(await weld(['policy', 'show', 'fetch-notes'])).stdout;
    expect(text).toMatch(/network\s+api\.github\.com:443\s+always\s+cli:ann/);

    const exported = parsePolicy(ok(await weld(['policy', 'export', 'fetch-notes'])).stdout);
    expect(exported.network.allow.map((r) => r.text)).toEqual(['api.github.com:443']);
    expect(exported.storage.allow).toEqual([{ uri: 'fs:///home/ann/Documents/notes/**', access: 'read' }]);

    expect(ok(await weld(['revoke', 'fetch-notes', 'network', 'api.github.com:443'])).stdout).toBe(
      'Revoked from fetch-notes: network api.github.com:443 [always]\n',
    );
    const missing = await weld(['revoke', 'fetch-notes', 'network', 'api.github.com:443']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/has no network grant for api\.github\.com:443; its grants: environment GITHUB_TOKEN/);

    const audit = ok(await weld(['audit', '--json']))
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(audit.map((a: { action: string }) => a.action)).toEqual([
      'policy.grant',
      'policy.grant',
      'policy.grant',
      'policy.revoke',
    ]);
    expect(ok(await weld(['audit', '--verify'])).stdout).toMatch(/intact: 4 entries/);
  }, 120_000);
});

describe('weld secret', () => {
  it('reads the value from stdin, never prints or stores it in clear, and lists keys only', async () => {
    const set = await weldWithStdin(['secret', 'set', 'fetch-notes', 'GITHUB_TOKEN'], 'ghp_topsecret123\n');
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/Stored secret GITHUB_TOKEN for fetch-notes/);
    expect(set.stderr).toMatch(/cannot read it until you run: weld grant fetch-notes env GITHUB_TOKEN/);
    const list = ok(await weld(['secret', 'list', 'fetch-notes']));
    expect(list.stdout).toBe('GITHUB_TOKEN\n');
    for (const out of [set.stdout, set.stderr, list.stdout]) expect(out).not.toContain('ghp_topsecret123');
    expect(readFileSync(join(home, 'secrets', 'secrets.json'), 'utf8')).not.toContain('ghp_topsecret123');
    expect(readFileSync(join(home, 'weld.db')).includes('ghp_topsecret123')).toBe(false);
    const empty = await weldWithStdin(['secret', 'set', 'fetch-notes', 'OTHER'], '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/value is empty/);
    expect(ok(await weld(['secret', 'remove', 'fetch-notes', 'GITHUB_TOKEN'])).stdout).toMatch(/Removed secret GITHUB_TOKEN/);
    expect(ok(await weld(['secret', 'list', 'fetch-notes'])).stdout).toMatch(/No secrets are set/);
    const audit = ok(await weld(['audit', '--json'])).stdout;
    expect(audit).not.toContain('ghp_topsecret123');
    expect(
      audit
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).action),
    ).toEqual(['secret.set', 'secret.remove']);
  }, 120_000);

  it('refuses a value on the command line', async () => {
    const r = await weld(['secret', 'set', 'fetch-notes', 'KEY', 'value']);
    expect(r.code).toBe(2);
  });
});

describe('grants asked through MCP', () => {
  it('stay pending until a person allows them with weld requests allow', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [WELD_BIN, 'serve', '--stdio'],
      env: { ...(process.env as Record<string, string>), WELD_HOME: home, ...env },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'claude', version: '1.0' });
    await client.connect(transport);
    try {
      const res = await client.callTool({
        name: 'grant-network-permission',
        arguments: { component_id: 'fetch-notes', details: { host: 'api.example.com:443' } },
      });
      const text = (res.content as { text: string }[])[0].text;
      expect(text).toMatch(/NOT granted yet: a person must confirm it/);
      const id = (res.structuredContent as { id: string }).id;
      expect(text).toContain(`weld requests allow ${id}`);
      await expect(
        client.callTool({
          name: 'grant-network-permission',
          arguments: { component_id: 'fetch-notes', details: { host: 'x.com', extra: 1 } },
        }),
      ).rejects.toThrow(/extra/);

      const before = await client.callTool({ name: 'get-policy', arguments: { component_id: 'fetch-notes' } });
      expect((before.structuredContent as { grants: unknown[] }).grants).toEqual([]);

      const listed = JSON.parse(ok(await weld(['requests', '--json'])).stdout);
      expect(listed).toMatchObject([
        {
          id,
          componentId: 'fetch-notes',
          kind: 'network',
          target: 'api.example.com:443',
          origin: 'mcp',
          requestedBy: 'mcp:claude/1.0',
        },
      ]);
      expect(ok(await weld(['requests', 'allow', id])).stdout).toBe(
        `Allowed ${id} (fetch-notes: network api.example.com:443) [always]\n`,
      );
      const again = await weld(['requests', 'deny', id]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already allowed by cli:ann/);

      const after = await client.callTool({ name: 'get-policy', arguments: { component_id: 'fetch-notes' } });
      expect((after.structuredContent as { grants: { target: string; decidedBy: string }[] }).grants).toMatchObject([
        { target: 'api.example.com:443', decidedBy: 'cli:ann', scope: 'always' },
      ]);

      const revoked = await client.callTool({
        name: 'revoke-network-permission',
        arguments: { component_id: 'fetch-notes', details: { host: 'api.example.com:443' } },
      });
      expect((revoked.content as { text: string }[])[0].text).toMatch(/took effect immediately/);
      const unknown = await client.callTool({ name: 'reset-permission', arguments: { component_id: 'ghost' } });
      expect(unknown.isError).toBe(true);
    } finally {
      await client.close();
    }
    const actions = ok(await weld(['audit', '--json']))
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l).action);
    expect(actions).toEqual(['policy.request', 'policy.decide', 'policy.revoke']);
    expect(ok(await weld(['audit', '--verify'])).stdout).toMatch(/intact/);
  }, 120_000);
});

describe('weld requests watch', () => {
  it('makes a held call wait for an answer given from another terminal', async () => {
    const watcher = spawn(process.execPath, [WELD_BIN, 'requests', 'watch'], {
      env: { ...process.env, WELD_HOME: home, ...env },
    });
    let out = '';
    let err = '';
    watcher.stdout.on('data', (c) => (out += c));
    watcher.stderr.on('data', (c) => (err += c));
    const exited = new Promise<number | null>((resolve) => watcher.on('close', resolve));
    const store = openStore(join(home, 'weld.db'));
    const server = createPolicyEngine({
      store,
      events: new EventBus(),
      dataDir: home,
      userHome: '/home/ann',
      env: {},
      pollMs: 100,
    });
    try {
      await until(() => err.includes('Watching for capability requests'), 20_000);
      expect(server.hasDecider()).toBe(true);
      const held = server.request({
        componentId: 'fetch-notes',
        callId: 'call-1',
        kind: 'network',
        target: 'api.example.com:443',
        access: '',
      });
      await until(() => /^[0-9a-f]{10} {2}fetch-notes {2}network api\.example\.com:443/m.test(out), 20_000);
      const id = out.match(/^([0-9a-f]{10})/m)?.[1] as string;
      ok(await weld(['requests', 'allow', id]));
      expect(await held).toEqual({ decision: 'allowed', rule: `once grant by cli:ann (request ${id})` });
      await until(() => out.includes(`${id}  allowed by cli:ann`), 20_000);
    } finally {
      watcher.kill('SIGTERM');
      expect(await exited).toBe(0);
      server.sync();
      expect(server.hasDecider()).toBe(false);
      server.close();
      store.close();
    }
  }, 120_000);
});

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
