import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NdjsonTransport } from '../src-main/engine/mcp/transports/ndjson-transport.js';
import { runWeld, tempHome, WELD_BIN } from './helpers.js';

/** A long-running `weld` child whose output the test can wait for. */
function startWeld(args: string[], home: string) {
  const child = spawn(process.execPath, [WELD_BIN, ...args], {
    env: { ...process.env, WELD_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d) => {
    out.stdout += d;
  });
  child.stderr?.on('data', (d) => {
    out.stderr += d;
  });
  const waitFor = async (what: 'stdout' | 'stderr', re: RegExp, ms: number) => {
    const end = Date.now() + ms;
    while (!re.test(out[what])) {
      if (child.exitCode !== null) throw new Error(`weld ${args[0]} exited (${child.exitCode}):\n${out.stderr}`);
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${re} in weld ${args[0]} ${what}:\n${out[what]}\n${out.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, out, waitFor };
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGINT');
  });
}

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

// componentize-js takes 10-20 s per build, a minute or more on a busy machine: this file builds twice.
const BUILD_MS = 240_000;

describe('weld dev against a running weld serve', () => {
  let tmp: ReturnType<typeof tempHome>;
  let serve: ReturnType<typeof startWeld>;
  let dev: ReturnType<typeof startWeld>;
  let client: Client;
  let listChanged = 0;

  beforeAll(async () => {
    tmp = tempHome('weld-dev-e2e-');
    const made = await runWeld(['new', 'hello', '--dir', join(tmp.home, 'hello')], tmp.home);
    expect(made.code).toBe(0);
    serve = startWeld(['serve', '--socket'], tmp.home);
    await serve.waitFor('stderr', /ready/, 30_000);
    client = new Client({ name: 'dev-test', version: '1' });
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      listChanged++;
    });
    await client.connect(new NdjsonTransport(createConnection(join(tmp.home, 'weld.sock'))));
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    if (dev) await stop(dev.child);
    if (serve) await stop(serve.child);
    tmp?.cleanup();
  });

  it(
    'installs the first build, reloads each change into the running Weld, and survives a broken save',
    async () => {
      const project = join(tmp.home, 'hello');
      dev = startWeld(['dev', project], tmp.home);
      await dev.waitFor('stderr', /A running Weld serves it/, 30_000);
      await dev.waitFor('stdout', /installed hello sha256:[0-9a-f]{12}… in [\d.]+ s\n {2}greet\(name: string\)/, BUILD_MS);
      // The WIT doc comment survives the build and is the tool's description.
      expect(dev.out.stdout).toContain('      Greet someone by name. Weld shows this comment to MCP clients');
      await until(async () => (await client.listTools()).tools.some((t) => t.name === 'greet'), 10_000);
      const first = await runWeld(['call', 'greet', '--arg', 'name=Ada'], tmp.home);
      expect(first.stderr).toBe('');
      expect(first.stdout).toBe('Hello, Ada!\n');

      const before = listChanged;
      writeFileSync(
        join(project, 'src', 'index.ts'),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source for the tool, not a template here
        'export function greet(name: string): string {\n  return `Howdy, ${name}!`;\n}\n',
      );
      await dev.waitFor('stdout', /reinstalled hello/, BUILD_MS);
      // The server reloads from the store by itself and tells connected clients.
      await until(() => listChanged > before, 10_000);
      const second = await runWeld(['call', 'greet', '--arg', 'name=Ada'], tmp.home);
      expect(second.stdout).toBe('Howdy, Ada!\n');

      writeFileSync(join(project, 'src', 'index.ts'), 'export function greet(name: string): string {\n  return name +* 1;\n}\n');
      await dev.waitFor(
        'stderr',
        /build failed after [\d.]+ s:\n {2}src\/index\.ts:2:16: Expression expected\.\n {2}still watching/,
        30_000,
      );
      expect(dev.child.exitCode).toBeNull();
      // The last good build keeps serving.
      expect((await runWeld(['call', 'greet', '--arg', 'name=Bo'], tmp.home)).stdout).toBe('Howdy, Bo!\n');
      expect(await stop(dev.child)).toBe(0);
    },
    2 * BUILD_MS + 60_000,
  );
});
