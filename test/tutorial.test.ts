import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, REPO, tempHome, WELD_BIN } from './helpers.js';
import { registryMissing, startRegistry, type TestRegistry } from './oci-registry.js';

const SECTION = '## Write your first tool';
/** The registry the README names; the test's own registry stands in for it. */
const README_REGISTRY = 'localhost:5000';

/** Every command of the tutorial: the lines of its `sh` blocks, in order. */
function tutorialCommands(readme: string): string[] {
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const rest = readme.slice(start + SECTION.length + 2);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const commands: string[] = [];
  for (const m of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of m[1].split('\n')) {
      const cmd = line.trim();
      if (cmd && !cmd.startsWith('#')) commands.push(cmd);
    }
  }
  return commands;
}

let tmp: ReturnType<typeof tempHome>;
let reg: TestRegistry;
let env: Record<string, string>;
const background: ChildProcess[] = [];

function run(command: string, cwd: string, timeoutMs: number): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** `cmd &`: started and left running, like in a terminal; stopped when the test ends. */
async function runInBackground(command: string, cwd: string, ready: () => boolean): Promise<void> {
  const child = spawn('bash', ['-c', `exec ${command.replace(/&$/, '').trim()}`], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => {
    log += d;
  });
  child.stderr?.on('data', (d) => {
    log += d;
  });
  background.push(child);
  const end = Date.now() + 30_000;
  while (!ready()) {
    if (child.exitCode !== null) throw new Error(`${command} exited (${child.exitCode}):\n${log}`);
    if (Date.now() > end) throw new Error(`${command} did not become ready:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Connects the way the client config written by `weld config` says, and calls the tool. */
async function callThroughClientConfig(configPath: string): Promise<string> {
  const entry = JSON.parse(readFileSync(configPath, 'utf8')).mcpServers.weld as { command: string; args: string[] };
  const client = new Client({ name: 'claude-ish', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env, stderr: 'pipe' }));
  try {
    const tools = (await client.listTools()).tools;
    expect(tools.find((t) => t.name === 'greet')?.description).toMatch(/^Greet someone by name/);
    const res = await client.callTool({ name: 'greet', arguments: { name: 'Grace' } });
    return (res.content as { text: string }[])[0].text;
  } finally {
    await client.close();
  }
}

// componentize-js builds the tool once: 10-20 s, a minute or more on a busy machine.
const BUILD_MS = 240_000;

describe.skipIf(registryMissing !== null)('README tutorial "Write your first tool", every command in order', () => {
  beforeAll(async () => {
    reg = await startRegistry();
    tmp = tempHome('weld-tutorial-');
    const bin = join(tmp.home, 'bin');
    mkdirSync(bin);
    // What `npm link` gives a user: `weld` on the PATH, running this checkout's CLI.
    writeFileSync(join(bin, 'weld'), `#!/bin/sh\nexec "${process.execPath}" "${WELD_BIN}" "$@"\n`);
    chmodSync(join(bin, 'weld'), 0o755);
    mkdirSync(join(tmp.home, 'home'));
    mkdirSync(join(tmp.home, 'work'));
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('XDG_') && !k.startsWith('WELD_')),
    ) as Record<string, string>;
    env = {
      ...clean,
      PATH: `${bin}:${process.env.PATH}`,
      HOME: join(tmp.home, 'home'),
      WELD_HOME: join(tmp.home, 'data'),
    };
  }, 60_000);

  afterAll(async () => {
    for (const child of background) {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
    await reg?.stop();
    tmp?.cleanup();
  });

  it(
    'runs from weld new to an MCP client calling the tool installed from a signed OCI artifact',
    async () => {
      const commands = tutorialCommands(readFileSync(join(REPO, 'README.md'), 'utf8'));
      // The steps the tutorial promises; a command added to the README needs a check below.
      expect(commands.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual([
        'weld new',
        'cd hello',
        'weld build',
        'weld install',
        'weld call',
        'weld serve',
        'weld config',
        'weld keygen',
        'weld publish',
        'weld trust',
        'weld remove',
        'weld install',
        'weld call',
      ]);
      const home = env.HOME;
      let cwd = join(tmp.home, 'work');
      const checks: [RegExp, (r: CliResult) => void | Promise<void>][] = [
        [/^weld new hello --lang ts$/, (r) => expect(r.stdout).toMatch(/^Created .*\/work\/hello\n/)],
        [
          /^weld build$/,
          (r) => {
            expect(r.stdout).toMatch(/^Built .*\/work\/hello\/build\/hello\.wasm\n/);
            expect(r.stdout).toContain('  greet(name: string)\n      Greet someone by name.');
            expect(r.stdout).toMatch(/requests:\n {2}storage {5}\* \(read,write\) {2}\[from wit\]\n/);
          },
        ],
        [/^weld install build\/hello\.wasm --policy policy\.yaml$/, (r) => expect(r.stdout).toMatch(/^hello installed\n/)],
        [/^weld call greet --arg name=Ada$/, (r) => expect(r.stdout).toBe('Hello, Ada!\n')],
        [
          /^weld config claude-desktop --write$/,
          async (r) => {
            const config = join(home, '.config', 'Claude', 'claude_desktop_config.json');
            expect(r.stdout).toContain(`Added the "weld" server in ${config}.`);
            expect(await callThroughClientConfig(config)).toBe('Hello, Grace!');
          },
        ],
        [
          /^weld keygen --out ~\/\.weld-keys --name me$/,
          () =>
            expect(existsSync(join(home, '.weld-keys', 'me.key')) && existsSync(join(home, '.weld-keys', 'me.pub'))).toBe(true),
        ],
        [/^weld publish /, (r) => expect(r.stdout).toMatch(/^published oci:\/\/127\.0\.0\.1:\d+\/tools\/hello:0\.1\.0\n/)],
        [/^weld trust add-key me /, (r) => expect(r.stdout).toMatch(/trusting key "me"/)],
        [/^weld remove hello$/, (r) => expect(r.stdout).toMatch(/^removed hello /)],
        [
          /^weld install oci:\/\//,
          (r) => {
            expect(r.stdout).toMatch(/^hello installed\n/);
            expect(r.stdout).toMatch(/^publisher: me \(verified\)$/m);
            expect(r.stdout).toMatch(/source: +oci:\/\/127\.0\.0\.1:\d+\/tools\/hello@sha256:[0-9a-f]{64}/);
          },
        ],
      ];

      for (const readmeCommand of commands) {
        const command = readmeCommand.replaceAll(README_REGISTRY, reg.host);
        if (command.startsWith('cd ')) {
          cwd = resolve(cwd, command.slice(3).trim());
          continue;
        }
        if (command.endsWith('&')) {
          await runInBackground(command, cwd, () => existsSync(join(env.WELD_HOME, 'weld.sock')));
          continue;
        }
        const r = await run(command, cwd, command === 'weld build' ? BUILD_MS : 60_000);
        const detail = `$ ${readmeCommand}\n${r.stdout}${r.stderr}`;
        expect(r.code, detail).toBe(0);
        const check = checks.find(([re]) => re.test(command));
        expect(check, `no check for: ${readmeCommand}`).toBeDefined();
        try {
          await check?.[1](r);
        } catch (err) {
          throw new Error(`${(err as Error).message}\n${detail}`);
        }
      }
    },
    BUILD_MS + 180_000,
  );
});
