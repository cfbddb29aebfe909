import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO, WELD_BIN } from '../test/helpers.js';

/** Debian's Chromium; the e2e suites skip when it is absent. */
export const CHROMIUM = '/usr/bin/chromium';
/**
 * README's screenshots are rewritten only by `npm run screenshots`; a test run writes its shots to a
 * temp dir (still worth a look when a UI test fails), so tests never modify tracked files.
 */
export const SHOTS =
  process.env.WELD_SCREENSHOTS === '1' ? join(REPO, 'e2e', 'screenshots') : mkdtempSync(join(tmpdir(), 'weld-screenshots-'));
/** Screenshots the suites take for people to look at: ignored by git, so a test run changes no tracked file. */
export const RUN_SHOTS = join(REPO, 'test-results', 'screenshots');
const AXE = join(REPO, 'node_modules', 'axe-core', 'axe.min.js');

export interface Chromium {
  browser: BrowserContext;
  page: Page;
  /** Errors the page logged or threw: a suite ends by expecting none. */
  consoleErrors: string[];
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, offline apart from the page under test. */
export async function launchChromium(opts: { height: number; acceptDownloads?: boolean }): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'weld-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1240, height: opts.height },
    acceptDownloads: opts.acceptDownloads ?? false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return {
    browser,
    page,
    consoleErrors,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Runs axe-core in the page and returns the serious and critical violations. */
export async function axeViolations(p: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: the page's own CSP (rightly) blocks injected script tags.
  await p.evaluate(readFileSync(AXE, 'utf8'));
  const result = await p.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    return axe.run();
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Opens one of the app's pages by its navigation tab and waits for its heading. */
export async function showPage(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name: new RegExp(`^${name}`) }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1, name }).isVisible()).toBe(true);
}

/**
 * Starts `weld serve --ui` (plus extra arguments) for a data dir and resolves with its UI URL, and with
 * the MCP endpoint when the arguments ask for one (`--http 0`).
 */
export function serveUi(home: string, args: string[] = []): Promise<{ server: ChildProcess; url: string; mcp: string | null }> {
  const server = spawn(process.execPath, [WELD_BIN, 'serve', '--ui', ...args], {
    env: { ...process.env, WELD_HOME: home, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const wantsMcp = args.includes('--http');
  let url: string | undefined;
  let mcp: string | null = null;
  return new Promise((resolve, reject) => {
    const done = () => url && (mcp || !wantsMcp) && resolve({ server, url, mcp });
    createInterface({ input: server.stdout! }).on('line', (line) => {
      url = /^Weld UI: (\S+)$/.exec(line)?.[1] ?? url;
      done();
    });
    createInterface({ input: server.stderr! }).on('line', (line) => {
      mcp = /serving MCP on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(line)?.[1] ?? mcp;
      done();
    });
    server.once('exit', (code) => reject(new Error(`weld serve --ui exited with ${code}`)));
    setTimeout(() => reject(new Error('weld serve --ui printed no URL within 20 s')), 20_000).unref();
  });
}

/** Stops a `weld serve` child the way a person's Ctrl-C would, and waits for it. */
export async function stopServer(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
}
