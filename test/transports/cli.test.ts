import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO, runWeld, tempHome, WELD_BIN } from '../helpers.js';

const INSPECTOR = join(REPO, 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build');

let home: string;
let fakeHome: string;
let cleanup: () => void;
let env: Record<string, string>;
let server: ChildProcess | undefined;

beforeEach(() => {
  ({ home, cleanup } = tempHome());
  fakeHome = join(home, 'user');
  mkdirSync(fakeHome);
  env = { HOME: fakeHome, XDG_CONFIG_HOME: join(fakeHome, '.config') };
});
afterEach(() => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  server = undefined;
  cleanup();
});

/** Starts `weld serve` as a user would and waits for its ready line; returns the HTTP URL it printed. */
async function serve(args: string[]): Promise<{ url?: string; stderr: () => string; exited: Promise<number | null> }> {
  server = spawn(process.execPath, [WELD_BIN, 'serve', ...args], {
    env: { ...process.env, WELD_HOME: home, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((r) => server!.once('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`weld serve did not start: ${stderr}`)), 15_000);
    server!.stderr!.on('data', (d) => {
      stderr += d;
      if (stderr.includes(' ready ')) {
        clearTimeout(timer);
        resolve();
      }
    });
    server!.once('exit', () => reject(new Error(`weld serve exited: ${stderr}`)));
  });
  return { url: /serving MCP on (http:\S+)/.exec(stderr)?.[1], stderr: () => stderr, exited };
}

async function inspector(args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, ['cli.js', '--cli', ...args], {
    cwd: INSPECTOR, // the Inspector CLI reads its package.json relative to the cwd (upstream bug)
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}

describe('weld serve, connect and client configs end to end', { timeout: 120_000 }, () => {
  it('Claude-Desktop-style stdio config, VS Code-style HTTP config and the Inspector CLI all list and call the same tools', async () => {
    const { url } = await serve(['--socket', '--http', '0']);
    const port = new URL(url!).port;

    expect((await runWeld(['config', 'claude-desktop', '--write'], home, { env })).code).toBe(0);
    expect((await runWeld(['config', 'vscode', '--write', '--port', port], home, { env })).code).toBe(0);
    const claude = JSON.parse(readFileSync(join(fakeHome, '.config', 'Claude', 'claude_desktop_config.json'), 'utf8')).mcpServers
      .weld as { command: string; args: string[] };
    const vscode = JSON.parse(readFileSync(join(fakeHome, '.config', 'Code', 'User', 'mcp.json'), 'utf8')).servers.weld as {
      type: string;
      url: string;
      headers: Record<string, string>;
    };
    expect(claude.args).toContain('connect');
    expect(vscode).toMatchObject({ type: 'http', url });
    // What VS Code does with its `inputs`: ask once for the token, then substitute it.
    const token = readFileSync(join(home, 'http-token'), 'utf8').trim();
    vscode.headers.Authorization = vscode.headers.Authorization.replace(`\${input:weld-token}`, token);

    // Exactly what Claude Desktop does with its entry: spawn it and speak stdio.
    const viaConnect = new Client({ name: 'claude-ai', version: '0.1' });
    await viaConnect.connect(new StdioClientTransport({ command: claude.command, args: claude.args, stderr: 'pipe' }));
    const viaHttp = new Client({ name: 'Visual Studio Code', version: '1.99' });
    await viaHttp.connect(new StreamableHTTPClientTransport(new URL(vscode.url), { requestInit: { headers: vscode.headers } }));

    const names = async (c: Client) => (await c.listTools()).tools.map((x) => x.name).sort();
    const stdioTools = await names(viaConnect);
    expect(stdioTools).toContain('list-components');
    expect(await names(viaHttp)).toEqual(stdioTools);
    for (const c of [viaConnect, viaHttp]) {
      expect((await c.callTool({ name: 'list-components', arguments: {} })).structuredContent).toEqual({ components: [] });
    }

    const inspectStdio = (await inspector([claude.command, ...claude.args, '--method', 'tools/list'])) as {
      tools: { name: string }[];
    };
    expect(inspectStdio.tools.map((x) => x.name).sort()).toEqual(stdioTools);
    const headerArgs = Object.entries(vscode.headers).flatMap(([k, v]) => ['--header', `${k}: ${v}`]);
    const inspectHttp = (await inspector([vscode.url, '--transport', 'http', ...headerArgs, '--method', 'tools/list'])) as {
      tools: { name: string }[];
    };
    expect(inspectHttp.tools.map((x) => x.name).sort()).toEqual(stdioTools);
    const called = await inspector([
      vscode.url,
      '--transport',
      'http',
      ...headerArgs,
      '--method',
      'tools/call',
      '--tool-name',
      'list-components',
    ]);
    expect(called).toMatchObject({ structuredContent: { components: [] } });

    await viaConnect.close();
    await viaHttp.close();
    const logs = await runWeld(['logs', '--json'], home, { env });
    const clients = logs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).client);
    expect(clients).toEqual(expect.arrayContaining(['claude-ai/0.1', 'Visual Studio Code/1.99']));
  });

  it('stops cleanly on SIGTERM: removes its socket and keeps every recorded call', async () => {
    const running = await serve(['--socket']);
    const client = new Client({ name: 'before-term', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [WELD_BIN, 'connect'],
        env: { ...(process.env as Record<string, string>), WELD_HOME: home },
        stderr: 'pipe',
      }),
    );
    for (let i = 0; i < 5; i++) await client.callTool({ name: 'list-components', arguments: {} });
    server!.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(existsSync(join(home, 'weld.sock'))).toBe(false);
    await client.close();
    const logs = await runWeld(['logs', '--json'], home);
    expect(logs.stdout.trim().split('\n')).toHaveLength(5);
  });

  it('weld connect exits 0 when its client closes stdin, and 1 with a reason when Weld goes away', async () => {
    const running = await serve(['--socket']);
    const bridge = (): {
      child: ChildProcess;
      firstLine: Promise<string>;
      exit: Promise<number | null>;
      stderr: () => string;
    } => {
      const child = spawn(process.execPath, [WELD_BIN, 'connect'], { env: { ...process.env, WELD_HOME: home } });
      let err = '';
      child.stderr!.on('data', (d) => {
        err += d;
      });
      const firstLine = new Promise<string>((r) => child.stdout!.once('data', (d) => r(String(d))));
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.stdin!.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'b', version: '1' } } })}\n`,
      );
      return { child, firstLine, exit, stderr: () => err };
    };
    const polite = bridge();
    expect(JSON.parse(await polite.firstLine)).toMatchObject({ id: 1, result: { serverInfo: { name: 'weld' } } });
    polite.child.stdin!.end();
    expect(await polite.exit).toBe(0);

    const orphan = bridge();
    await orphan.firstLine;
    server!.kill('SIGTERM');
    await running.exited;
    expect(await orphan.exit).toBe(1);
    expect(orphan.stderr()).toMatch(/Weld closed the connection/);
  });

  it('answers malformed lines on stdio with JSON-RPC errors instead of dropping them', async () => {
    const child = spawn(process.execPath, [WELD_BIN, 'serve', '--stdio'], { env: { ...process.env, WELD_HOME: home } });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.stdin!.write('{"jsonrpc":"2.0","id":1,"method":\n');
    child.stdin!.write('{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n');
    const end = Date.now() + 10_000;
    while (out.split('\n').length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    child.stdin!.end();
    expect(await exit).toBe(0);
    const replies = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(replies[0]).toMatchObject({ id: null, error: { code: -32700 } });
    expect(replies[1]).toMatchObject({ id: 2 });
  });

  it('refuses to start a second Weld on the same socket', async () => {
    await serve(['--socket']);
    const second = await runWeld(['serve', '--socket'], home, { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/a Weld is already running for .*: pid \d+, no UI, MCP socket .*weld\.sock/);
  });

  it('weld connect says clearly on stderr that Weld is not running and exits 1', async () => {
    const r = await runWeld(['connect'], home, { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Weld is not running: nothing is listening on .*weld\.sock/);
  });

  it('weld serve without an endpoint exits 2 with its usage', async () => {
    const r = await runWeld(['serve'], home, { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/choose at least one endpoint/);
    expect(r.stderr).toMatch(/--socket \[PATH\]/);
  });
});

describe('weld clients and weld config', () => {
  const claudePath = () => join(fakeHome, '.config', 'Claude', 'claude_desktop_config.json');

  it('merges the Weld entry into an existing config, keeping other servers and a backup', async () => {
    mkdirSync(join(fakeHome, '.config', 'Claude'), { recursive: true });
    const original = `${JSON.stringify({ mcpServers: { other: { command: 'other-server' } }, globalShortcut: 'Ctrl+Space' }, null, 2)}\n`;
    writeFileSync(claudePath(), original);
    const r = await runWeld(['config', 'claude-desktop', '--write'], home, { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Added the "weld" server/);
    const merged = JSON.parse(readFileSync(claudePath(), 'utf8'));
    expect(merged.globalShortcut).toBe('Ctrl+Space');
    expect(merged.mcpServers.other).toEqual({ command: 'other-server' });
    expect(merged.mcpServers.weld.args).toEqual([realpathSync(WELD_BIN), 'connect', '--socket', join(home, 'weld.sock')]);
    const backups = readdirSync(join(fakeHome, '.config', 'Claude')).filter((f) => f.includes('.weld-backup-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(fakeHome, '.config', 'Claude', backups[0]), 'utf8')).toBe(original);

    const again = await runWeld(['config', 'claude-desktop', '--write'], home, { env });
    expect(again.stdout).toMatch(/already uses Weld/);
  });

  it('leaves a config with comments untouched and prints the entry to add by hand', async () => {
    const path = join(fakeHome, '.config', 'Code', 'User', 'mcp.json');
    mkdirSync(join(path, '..'), { recursive: true });
    const jsonc = '{\n  // my servers\n  "servers": {}\n}\n';
    writeFileSync(path, jsonc);
    const r = await runWeld(['config', 'vscode', '--write'], home, { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not plain JSON.*left unchanged/);
    expect(r.stderr).toMatch(/"Authorization": "Bearer /);
    expect(readFileSync(path, 'utf8')).toBe(jsonc);
  });

  it('prints entries for every client without writing anything', async () => {
    for (const [id, key] of [
      ['cursor', 'mcpServers'],
      ['windsurf', 'mcpServers'],
      ['zed', 'context_servers'],
      ['generic', 'mcpServers'],
    ]) {
      const r = await runWeld(['config', id], home, { env });
      expect(r.code).toBe(0);
      // stdout is exactly the JSON (`weld config cursor > mcp.json` works); where to put it goes to stderr.
      const entry = JSON.parse(r.stdout)[key].weld;
      expect(existsSync(entry.command)).toBe(true);
      expect(entry.args[0]).toBe(realpathSync(WELD_BIN));
      if (id !== 'generic') expect(r.stderr).toMatch(/^Add this to \//);
    }
    const http = await runWeld(['config', 'generic', '--transport', 'http'], home, { env });
    expect(JSON.parse(http.stdout).mcpServers.weld).toMatchObject({ type: 'http', url: 'http://127.0.0.1:7390/mcp' });
    expect(readdirSync(fakeHome)).toEqual([]);
    expect((await runWeld(['config', 'claude-desktop', '--transport', 'http'], home, { env })).code).toBe(2);
    expect((await runWeld(['config', 'notepad'], home, { env })).stderr).toMatch(/unknown client "notepad"/);
  });

  it("keeps the HTTP token out of VS Code's config: VS Code asks for it once and stores it itself", async () => {
    const path = join(fakeHome, '.config', 'Code', 'User', 'mcp.json');
    const r = await runWeld(['config', 'vscode', '--write'], home, { env });
    expect(r.code).toBe(0);
    const token = readFileSync(join(home, 'http-token'), 'utf8').trim();
    const written = readFileSync(path, 'utf8');
    expect(written).not.toContain(token);
    const config = JSON.parse(written);
    expect(config.servers.weld.headers).toEqual({ Authorization: `Bearer \${input:weld-token}` });
    expect(config.inputs).toEqual([expect.objectContaining({ id: 'weld-token', type: 'promptString', password: true })]);
    expect(r.stderr).toContain(join(home, 'http-token'));
  });

  it('writes a config holding the token readable by its owner only, even if it was world-readable', async () => {
    const path = join(fakeHome, '.cursor', 'mcp.json');
    mkdirSync(join(fakeHome, '.cursor'));
    writeFileSync(path, '{"mcpServers":{}}\n', { mode: 0o644 });
    const r = await runWeld(['config', 'cursor', '--transport', 'http', '--write'], home, { env });
    expect(r.code).toBe(0);
    expect(readFileSync(path, 'utf8')).toContain(readFileSync(join(home, 'http-token'), 'utf8').trim());
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("never points a client at npm's cache: it uses the weld on PATH, or says how to install one", async () => {
    // A copy of the bin inside an npx-style cache dir, as `npx weld` runs it.
    const cached = join(home, '.npm', '_npx', 'abc', 'node_modules', 'weld', 'bin');
    mkdirSync(cached, { recursive: true });
    copyFileSync(WELD_BIN, join(cached, 'weld.js'));
    symlinkSync(join(REPO, 'out'), join(cached, '..', 'out'));
    const run = (PATH: string) =>
      promisify(execFile)(process.execPath, [join(cached, 'weld.js'), 'config', 'claude-desktop'], {
        env: { ...process.env, ...env, WELD_HOME: home, PATH },
      }).then(
        (r) => ({ code: 0, ...r }),
        (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
      );
    const none = await run('/nonexistent');
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/runs from npm's cache.*\n.*npm install -g \./);

    const binDir = join(home, 'global-bin');
    mkdirSync(binDir);
    symlinkSync(WELD_BIN, join(binDir, 'weld'));
    const onPath = await run(binDir);
    expect(onPath.code).toBe(0);
    expect(JSON.parse(onPath.stdout).mcpServers.weld.args[0]).toBe(realpathSync(WELD_BIN));
  });

  it('lists the clients found on this machine and whether they use Weld', async () => {
    expect((await runWeld(['clients', '--json'], home, { env })).stdout.trim()).toBe('[]');
    mkdirSync(join(fakeHome, '.cursor'));
    await runWeld(['config', 'claude-desktop', '--write'], home, { env });
    const found = JSON.parse((await runWeld(['clients', '--json'], home, { env })).stdout);
    expect(found).toEqual([
      expect.objectContaining({ id: 'claude-desktop', usesWeld: true, configExists: true }),
      expect.objectContaining({ id: 'cursor', usesWeld: false, configExists: false }),
    ]);
    const text = await runWeld(['clients'], home, { env });
    expect(text.stdout).toMatch(/Claude Desktop\s+claude-desktop\s+yes/);
  });
});
