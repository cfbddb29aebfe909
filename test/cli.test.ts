import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWeld, tempHome, WELD_BIN } from './helpers.js';

let home: string;
let cleanup: () => void;
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

describe('weld CLI', () => {
  it('prints usage with every command on --help', async () => {
    const r = await runWeld(['--help'], home);
    expect(r.code).toBe(0);
    for (const cmd of ['serve', 'list', 'logs', 'audit', 'version']) expect(r.stdout).toContain(cmd);
  });

  it('exits 2 with usage for an unknown command', async () => {
    const r = await runWeld(['frobnicate'], home);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expect(r.stderr).toContain('Usage: weld <command>');
  });

  it('exits 2 with the command usage for an unknown flag', async () => {
    const r = await runWeld(['list', '--nope'], home);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--nope'");
    expect(r.stderr).toContain('Usage: weld list');
  });

  it('lists no components as JSON on a fresh data dir', async () => {
    const r = await runWeld(['list', '--json'], home);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('verifies an empty audit log', async () => {
    const r = await runWeld(['audit', '--verify'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/intact: 0 entries/);
  });

  it('reports a corrupt database clearly instead of crashing', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${home}/weld.db`, 'garbage garbage garbage garbage');
    const r = await runWeld(['list'], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/damaged/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('serves MCP over stdio to the SDK client and records the call', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [WELD_BIN, 'serve', '--stdio'],
      env: { ...(process.env as Record<string, string>), WELD_HOME: home },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'cli-test', version: '1.2.3' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('list-components');
    const res = await client.callTool({ name: 'list-components', arguments: {} });
    expect(res.structuredContent).toEqual({ components: [] });
    await expect(client.callTool({ name: 'list-components', arguments: { bogus: 1 } })).rejects.toThrow(/unknown field "bogus"/);
    await client.close();

    const logs = await runWeld(['logs', '--json'], home);
    const rows = logs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // The call refused by validation is logged too, with the reason.
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.status === 'ok')).toMatchObject({ tool: 'list-components', client: 'cli-test/1.2.3' });
    expect(rows.find((r) => r.status === 'invalid')).toMatchObject({
      tool: 'list-components',
      error: expect.stringMatching(/unknown field "bogus"/),
    });
  });

  it('filters the call log by tool, status and text, as the Live Log page does', async () => {
    await runWeld(['call', 'list-components'], home);
    expect((await runWeld(['call', 'get-policy', '--arg', 'component_id=nope'], home)).code).toBe(1);
    const tools = async (...args: string[]) => {
      const r = await runWeld(['logs', '--json', ...args], home);
      return r.stdout.trim()
        ? r.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l).tool)
        : [];
    };
    expect(await tools()).toEqual(['list-components', 'get-policy']);
    expect(await tools('--status', 'error')).toEqual(['get-policy']);
    expect(await tools('--tool', 'list-components')).toEqual(['list-components']);
    expect(await tools('--search', 'NOPE')).toEqual(['get-policy']);
    expect(await tools('--status', 'ok', '--search', 'nope')).toEqual([]);
    const bad = await runWeld(['logs', '--status', 'failed'], home);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringContaining('--status is one of ok, error, denied, invalid, timeout, cancelled'),
    ]);
  });

  it('sets how long calls are kept, refuses a bad value, and records the change in the audit log', async () => {
    for (const bad of ['0', '3651', '2.5', 'week']) {
      const r = await runWeld(['logs', '--keep', bad], home);
      expect([bad, r.code, r.stderr]).toEqual([bad, 2, expect.stringContaining('from 1 to 3650, or "forever"')]);
    }
    const set = await runWeld(['logs', '--keep', '30'], home);
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('Tool calls are kept for 30 days (before: for 90 days). Removed 0 older calls.\n');
    expect((await runWeld(['logs', '--keep', 'forever'], home)).stdout).toMatch(/kept forever \(before: for 30 days\)/);
    const audit = await runWeld(['audit', '--json'], home);
    const changes = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .map((r) => [r.action, r.detail]);
    expect(changes).toEqual([
      ['settings.changed', { from: 90, to: 30 }],
      ['settings.changed', { from: 30, to: null }],
    ]);
  });
});
