import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO, runWeld, tempHome } from './helpers.js';

let home: string;
let cleanup: () => void;
let started: ChildProcess[] = [];
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started = [];
  cleanup();
});

// WELD_NO_ELECTRON keeps these tests from downloading or launching Electron on machines that could.
const env = () => ({ ...process.env, WELD_HOME: home, WELD_NO_ELECTRON: '1' });

/** Starts `command args` and resolves with its stdout lines up to the web UI's URL. */
async function startUntilUi(command: string, args: string[]): Promise<{ child: ChildProcess; lines: string[]; url: string }> {
  const child = spawn(command, args, { cwd: REPO, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const m = /^Weld UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)$/.exec(line);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`no UI URL within 25 s: ${stderr}`)), 25_000).unref();
  });
  return { child, lines, url };
}

async function settings(url: string): Promise<{ socketPath: string | null; clientConfig: string }> {
  const u = new URL(url);
  const res = await fetch(new URL('/api/settings.get', u), {
    method: 'POST',
    headers: { authorization: `Bearer ${u.searchParams.get('token')}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return (await res.json()).value;
}

describe('npm start without Electron', () => {
  it('serves the MCP socket (0600) and the web UI from one process, and a pasted client config reaches it', async () => {
    const { child, lines, url } = await startUntilUi(process.execPath, [join(REPO, 'scripts', 'start.js')]);
    expect(lines[0]).toMatch(/^Electron is unavailable \(.+\); Weld runs headless with its web UI\.$/);
    const page = await fetch(url);
    expect(await page.text()).toContain('<div id="root">');

    const socket = join(home, 'weld.sock');
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const s = await settings(url);
    expect(s.socketPath).toBe(socket);

    // The Settings page's "Copy client config" is `weld config claude-desktop`'s entry, and what Claude
    // Desktop would spawn: `weld connect` to this process.
    expect((await runWeld(['config', 'claude-desktop'], home)).stdout).toBe(s.clientConfig);
    const { command, args } = JSON.parse(s.clientConfig).mcpServers.weld;
    expect(args).toContain('connect');
    const client = new Client({ name: 'claude-desktop-like', version: '1' });
    await client.connect(new StdioClientTransport({ command, args, env: { PATH: process.env.PATH ?? '' } }));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('list-components');
    await client.close();

    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a second start against the same data dir, naming the running Weld and its UI', async () => {
    const { child, url } = await startUntilUi(process.execPath, [join(REPO, 'scripts', 'start.js')]);
    const second = await promisify(execFile)(process.execPath, [join(REPO, 'scripts', 'start.js')], { env: env() }).then(
      () => ({ code: 0, stderr: '' }),
      (err) => ({ code: err.code as number, stderr: err.stderr as string }),
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`a Weld is already running for ${home}: pid ${child.pid}, UI at ${url}`);
    // `weld serve` with an endpoint of its own is refused the same way; the socket stays with the first.
    const serve = await runWeld(['serve', '--socket'], home);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain(`pid ${child.pid}, UI at ${url}`);
    expect((await settings(url)).socketPath).toBe(join(home, 'weld.sock'));
  });
});

/** The pids of a process and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Exited while we looked.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/** Running: exists and is not a zombie waiting for a parent that may never reap it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe.runIf(process.platform === 'linux')('npm start and its children', () => {
  // npm runs the script under `sh -c`: three processes, and a signal to any one of them stops all.
  for (const which of ['npm', 'the shell', 'the Weld process'] as const) {
    it(`all stop when ${which} gets SIGTERM`, async (ctx) => {
      const { child } = await startUntilUi('npm', ['start', '--silent']);
      const tree = processTree(child.pid!);
      const node = tree.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('scripts/start.js'))!;
      const target =
        which === 'npm' ? child.pid! : which === 'the Weld process' ? node : tree.find((p) => p !== child.pid && p !== node);
      // A shell that execs its last command (bash as sh) leaves no shell process to signal.
      if (target === undefined) ctx.skip();
      process.kill(target!, 'SIGTERM');
      expect(await until(() => !tree.some(running), 20_000), `still running: ${tree.filter(running)}`).toBe(true);
      // The Weld stopped cleanly: it gave the data dir back.
      expect(() => statSync(join(home, 'instance.json'))).toThrow();
    });
  }
});
