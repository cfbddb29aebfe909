import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWeld, tempHome, WELD_BIN } from './helpers.js';

let home: string;
let cleanup: () => void;
let env: Record<string, string>;
let server: ChildProcess | undefined;
beforeEach(() => {
  ({ home, cleanup } = tempHome());
  const user = join(home, 'user');
  mkdirSync(join(user, '.config'), { recursive: true });
  env = { HOME: user, XDG_CONFIG_HOME: join(user, '.config') };
});
afterEach(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  server = undefined;
  cleanup();
});

const claudeConfig = () => join(env.XDG_CONFIG_HOME, 'Claude', 'claude_desktop_config.json');

describe('weld doctor', () => {
  it('reports a stopped Weld and a client entry whose command is gone, each with a fix, and exits 1', async () => {
    mkdirSync(join(claudeConfig(), '..'), { recursive: true });
    writeFileSync(
      claudeConfig(),
      JSON.stringify({ mcpServers: { weld: { command: '/opt/gone/node', args: ['/opt/gone/weld.js', 'connect'] } } }),
    );
    const r = await runWeld(['doctor'], home, { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✗ Weld is not running for ${home}\n    fix: start it: \`npm start\``);
    expect(r.stdout).toContain(
      `✗ Claude Desktop's Weld entry in ${claudeConfig()}: its command /opt/gone/node does not exist or cannot run\n    fix: weld config claude-desktop --write`,
    );
  });

  it('is content once Weld runs and the client entry `weld config` wrote reaches it', async () => {
    server = spawn(process.execPath, [WELD_BIN, 'serve', '--socket', '--ui'], {
      env: { ...process.env, WELD_HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: server!.stdout! }).once('line', () => resolve());
      server!.once('exit', (code) => reject(new Error(`weld serve exited ${code}`)));
    });
    expect((await runWeld(['config', 'claude-desktop', '--write'], home, { env })).code).toBe(0);
    const r = await runWeld(['doctor', '--json'], home, { env });
    const findings = JSON.parse(r.stdout) as { level: string; what: string }[];
    expect(findings.filter((f) => f.level === 'fail')).toEqual([]);
    expect(r.code).toBe(0);
    expect(findings.map((f) => f.what)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^Weld is running \\(pid ${server.pid}, UI at http://127\\.0\\.0\\.1:\\d+/`)),
        `MCP socket ${join(home, 'weld.sock')} answers`,
        `Claude Desktop uses Weld (${claudeConfig()})`,
      ]),
    );
  });
});
