import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWeld, tempHome, WELD_BIN } from './helpers.js';

let home: string;
let cleanup: () => void;
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

describe('weld serve --ui', () => {
  it('prints one URL with a token and serves the API to it until interrupted', async () => {
    const child = spawn(process.execPath, [WELD_BIN, 'serve', '--ui', '--socket'], { env: { ...process.env, WELD_HOME: home } });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`weld exited ${code}`)));
        setTimeout(() => reject(new Error('no URL printed within 10 s')), 10_000).unref();
      });
      const m = /^Weld UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=([\w-]+))$/.exec(line);
      expect(m, line).not.toBeNull();
      const url = new URL(m![1]);
      const api = (op: string, body: unknown) =>
        fetch(new URL(`/api/${op}`, url), {
          method: 'POST',
          headers: { authorization: `Bearer ${m![2]}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const res = await api('settings.get', {});
      expect(res.status).toBe(200);
      const settings = (await res.json()).value;
      expect(settings).toMatchObject({
        dataDir: home,
        shell: 'web',
        socketPath: `${home}/weld.sock`,
        httpUrl: null,
        version: expect.any(String),
        callHistoryDays: 90,
      });
      for (const days of [0, 4000, 1.5, '30', undefined]) {
        const bad = await api('settings.setCallHistory', { days });
        expect([days, bad.status, (await bad.json()).error.code]).toEqual([days, 400, 'bad-input']);
      }
      const saved = await api('settings.setCallHistory', { days: null });
      expect((await saved.json()).value).toEqual({ days: null, removed: 0 });

      // The config the Settings page offers to copy is exactly `weld config claude-desktop`'s, and reaches
      // this process as an MCP client would.
      const cli = await runWeld(['config', 'claude-desktop'], home);
      expect(settings.clientConfig).toBe(cli.stdout);
      const { command, args, env } = JSON.parse(settings.clientConfig).mcpServers.weld;
      const client = new Client({ name: 'pasted-config', version: '1' });
      await client.connect(new StdioClientTransport({ command, args, env: { ...env, PATH: process.env.PATH ?? '' } }));
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('list-components');
      await client.close();
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    expect(child.exitCode).toBe(0);
  });

  it('explains that --port needs --ui', async () => {
    const r = await runWeld(['serve', '--stdio', '--port', '8080'], home);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port needs --ui');
  });

  it('rejects a port that is not a number', async () => {
    const r = await runWeld(['serve', '--ui', '--port', 'eighty'], home);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port: "eighty" is not a port number');
  });
});
