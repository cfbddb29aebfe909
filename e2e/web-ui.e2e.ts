import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openStore } from '../src-main/engine/store/index.js';
import { sampleComponent, tempHome, WELD_BIN } from '../test/helpers.js';
import { axeViolations, CHROMIUM, type Chromium, launchChromium, SHOTS, showPage, stopServer } from './chromium.js';

let home: string;
let cleanupHome: () => void;
let server: ChildProcess;
let url: string;
let chrome: Chromium;
let browser: BrowserContext;
let page: Page;

async function startServer(): Promise<string> {
  server = spawn(process.execPath, [WELD_BIN, 'serve', '--ui'], {
    env: { ...process.env, WELD_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout! }).once('line', (line) => {
      const m = /^Weld UI: (\S+)$/.exec(line);
      if (m) resolve(m[1]);
      else reject(new Error(`unexpected first line: ${line}`));
    });
    server.once('exit', (code) => reject(new Error(`weld serve --ui exited with ${code}`)));
    setTimeout(() => reject(new Error('no URL within 15 s')), 15_000).unref();
  });
}

const show = (name: 'Tools' | 'Install' | 'Requests' | 'Live log' | 'Audit' | 'Settings') => showPage(page, name);

describe.skipIf(!existsSync(CHROMIUM))('web UI in Chromium (weld serve --ui)', () => {
  beforeAll(async () => {
    ({ home, cleanup: cleanupHome } = tempHome('weld-e2e-'));
    const store = openStore(join(home, 'weld.db'));
    store.components.put(sampleComponent());
    store.close();
    url = await startServer();
    chrome = await launchChromium({ height: 820, acceptDownloads: true });
    ({ browser, page } = chrome);
  }, 60_000);

  afterAll(async () => {
    await chrome?.close();
    await stopServer(server);
    cleanupHome?.();
  });

  it('opens from the printed URL, drops the token from the address bar and lists the installed tool', async () => {
    await page.goto(url);
    await expect.poll(() => page.getByRole('heading', { level: 2, name: /fetch-notes/ }).isVisible()).toBe(true);
    expect(page.url()).not.toContain('token=');
    await expect.poll(() => page.getByText('Signature verified').isVisible()).toBe(true);
    expect(await page.getByText('Read files in ~/Documents/notes').isVisible()).toBe(true);
    expect(await page.getByText('Connect to api.github.com on port 443').isVisible()).toBe(true);
    expect(await page.locator('code', { hasText: 'search-notes' }).isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'tools.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SHOTS, 'tools-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows a tool call made by an MCP client through another Weld process, live, with its details', async () => {
    await show('Live log');
    await expect.poll(() => page.getByText('No calls yet').isVisible()).toBe(true);

    const client = new Client({ name: 'e2e-client', version: '0.9.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [WELD_BIN, 'serve', '--stdio'],
        env: { ...(process.env as Record<string, string>), WELD_HOME: home },
        stderr: 'ignore',
      }),
    );
    try {
      for (let i = 0; i < 3; i++) await client.callTool({ name: 'list-components', arguments: {} });
    } finally {
      await client.close();
    }

    // No reload: the rows arrive over the event stream.
    const row = page.getByRole('button', { name: 'list-components' }).first();
    await expect.poll(() => row.isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.getByRole('button', { name: 'list-components' }).count()).toBe(3);
    expect(await page.getByRole('cell', { name: 'e2e-client/0.9.0' }).first().isVisible()).toBe(true);

    await row.click();
    const detail = page.getByRole('complementary', { name: 'Call details' });
    await expect.poll(() => detail.getByText('fetch-notes (verified)').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'live-log.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SHOTS, 'live-log-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('searchbox', { name: 'Search' }).fill('no-such-tool');
    await expect.poll(() => page.getByText('No calls match').isVisible()).toBe(true);
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
  });

  it('disables the tool with the keyboard, and the audit log records it and verifies', async () => {
    await show('Tools');
    const toggle = page.getByRole('switch', { name: 'Enable fetch-notes' });
    await toggle.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');

    await show('Audit');
    await expect.poll(() => page.getByRole('cell', { name: 'component.disable' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('audit-verdict').textContent()).toMatch(/Chain verified: 1 entry, none edited/);

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export JSONL' }).click();
    const file = await (await download).path();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toMatchObject([{ seq: 1, actor: 'user:web-ui', action: 'component.disable', subject: 'fetch-notes' }]);
    await page.screenshot({ path: join(SHOTS, 'audit.png'), fullPage: true });
  });

  it('shows endpoints, data dir and a client config to copy', async () => {
    await show('Settings');
    // The heading renders before the settings arrive: wait for the data, not just the page.
    await expect.poll(() => page.getByText(home, { exact: true }).isVisible()).toBe(true);
    expect(await page.locator('pre', { hasText: 'mcpServers' }).textContent()).toContain('"connect"');
    await page.screenshot({ path: join(SHOTS, 'settings.png'), fullPage: true });
  });

  it('keeps calls for the chosen time: older ones go at once, and the audit log says so', async () => {
    const store = openStore(join(home, 'weld.db'));
    const old = Date.now() - 400 * 24 * 60 * 60 * 1000;
    // Below every real rowid: the newest call is never pruned (processes follow the log by rowid).
    const insert = store.db.prepare(
      "INSERT INTO calls (rowid, id, tool, args_size, args_hash, status, started_at, duration_us) VALUES (?, ?, 'add', 0, 'h', 'ok', ?, 1)",
    );
    for (let i = 1; i <= 3; i++) insert.run(-i, `old-${i}`, old + i);
    store.close();
    await show('Settings');
    const keep = page.getByLabel('Keep tool calls for');
    expect(await keep.inputValue()).toBe('90');
    await keep.selectOption({ label: '365 days' });
    await expect.poll(() => page.getByText('Saved. 3 older calls were removed.').isVisible()).toBe(true);
    await show('Audit');
    await expect.poll(() => page.getByText('calls.pruned').isVisible()).toBe(true);
    expect(await page.getByText('settings.changed').isVisible()).toBe(true);
  });

  it('lets a named MCP client ask for permissions, and stops it again', async () => {
    await show('Settings');
    await expect.poll(() => page.getByText('No client may ask you.').isVisible()).toBe(true);
    await page.getByLabel('Client name').fill('claude-ai');
    await page.getByRole('button', { name: 'Let it ask me' }).click();
    const stop = page.getByRole('button', { name: 'Stop asking in claude-ai' });
    await expect.poll(() => stop.isVisible()).toBe(true);
    await stop.click();
    await expect.poll(() => page.getByText('No client may ask you.').isVisible()).toBe(true);
  });

  it('marks a folder as a component source, refuses the data dir with a sentence, and unmarks it', async () => {
    const folder = realpathSync(mkdtempSync(join(tmpdir(), 'weld-e2e-build-')));
    onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
    await show('Settings');
    await expect.poll(() => page.getByText('No component sources: every load asks you.').isVisible()).toBe(true);
    const field = page.getByLabel('Folder', { exact: true });
    const logged = chrome.consoleErrors.length;
    await field.fill(home);
    await page.getByRole('button', { name: 'Mark as component source' }).click();
    await expect.poll(() => page.getByText(/holds Weld's own data/).isVisible()).toBe(true);
    // The refusal is the API's 400, which the browser logs; nothing else may be.
    expect(chrome.consoleErrors.splice(logged)).toEqual([expect.stringMatching(/status of 400/)]);
    await field.fill(folder);
    await page.getByRole('button', { name: 'Mark as component source' }).click();
    const unmark = page.getByRole('button', { name: `Ask again for ${folder}` });
    await expect.poll(() => unmark.isVisible()).toBe(true);
    expect(await field.inputValue()).toBe('');
    await unmark.click();
    await expect.poll(() => page.getByText('No component sources: every load asks you.').isVisible()).toBe(true);
  });

  it('has no serious accessibility violations on any page', async () => {
    const found: Record<string, string[]> = {};
    for (const name of ['Tools', 'Install', 'Requests', 'Live log', 'Audit', 'Settings'] as const) {
      await show(name);
      found[name] = await axeViolations(page);
    }
    expect(found).toEqual({ Tools: [], Install: [], Requests: [], 'Live log': [], Audit: [], Settings: [] });
  });

  it('removes a tool only after confirmation', async () => {
    await show('Tools');
    await page.getByRole('button', { name: 'Remove' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove fetch-notes?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'remove-confirm.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.getByRole('heading', { level: 2, name: /fetch-notes/ }).isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Remove' }).click();
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => page.getByText('No tools installed yet').isVisible()).toBe(true);
  });

  it('logged no errors in the page (CSP violations, failed requests, exceptions)', () => {
    expect(chrome.consoleErrors).toEqual([]);
  });

  it('refuses the API to a page that lacks the token', async () => {
    const origin = new URL(url).origin;
    const other = await browser.newPage();
    await other.goto(`${origin}/`);
    await expect.poll(() => other.getByText('This page needs its access token').isVisible()).toBe(true);
    const status = await other.evaluate(
      async () =>
        (await fetch('/api/components.list', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))
          .status,
    );
    expect(status).toBe(401);
    await other.close();
  });
});
