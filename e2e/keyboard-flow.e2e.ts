import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenPath } from '../src-main/engine/mcp/transports/http-token.js';
import { buildComponent, exampleDir } from '../test/fixtures/build.js';
import { tempHome } from '../test/helpers.js';
import { CHROMIUM, type Chromium, launchChromium, RUN_SHOTS, serveUi, stopServer } from './chromium.js';

/**
 * Install, approve and audit without a mouse: a person who only uses the keyboard installs the
 * read-file example, answers the request its call raises, and opens the audit entry that records it.
 */

let home: { home: string; cleanup: () => void };
let shared: string;
let wasmPath: string;
let server: ChildProcess | undefined;
let mcpUrl: string;
let chrome: Chromium;
let page: Page;
let mcp: Client | undefined;

const focused = (p: Page) =>
  p.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      text: (el?.textContent ?? '').trim(),
      label: el?.getAttribute('aria-label') ?? (el as HTMLInputElement | null)?.labels?.[0]?.textContent ?? '',
      role: el?.getAttribute('role') ?? el?.tagName.toLowerCase() ?? '',
    };
  });

/** Presses Tab until focus is on a control whose text matches, as a keyboard user would. */
async function tabTo(p: Page, name: RegExp, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await p.keyboard.press('Tab');
    const f = await focused(p);
    if (name.test(f.text) || name.test(f.label)) return;
  }
  throw new Error(`no control matching ${name} within ${max} Tab presses (focus on ${JSON.stringify(await focused(p))})`);
}

/** Moves through the navigation with the arrow keys to a page (Tab into it first). */
async function goTo(p: Page, pageName: string): Promise<void> {
  if ((await focused(p)).role !== 'tab') {
    // Shift+Tab back up to the navigation from wherever focus is.
    for (let i = 0; i < 80 && (await focused(p)).role !== 'tab'; i++) await p.keyboard.press('Shift+Tab');
  }
  for (let i = 0; i < 8 && !(await focused(p)).text.startsWith(pageName); i++) await p.keyboard.press('ArrowDown');
  await p.getByRole('heading', { level: 1, name: pageName }).waitFor();
}

describe.skipIf(!existsSync(CHROMIUM))('install, approve and audit with the keyboard only (Chromium)', () => {
  beforeAll(async () => {
    home = tempHome('weld-e2e-keys-');
    shared = mkdtempSync(join(tmpdir(), 'weld-e2e-keys-shared-'));
    mkdirSync(join(shared, 'private'));
    writeFileSync(join(shared, 'private', 'plan.txt'), 'the plan\n');
    wasmPath = join(shared, 'read-file.wasm');
    writeFileSync(wasmPath, readFileSync(await buildComponent(exampleDir('read-file'))));
    mkdirSync(RUN_SHOTS, { recursive: true });
    const started = await serveUi(home.home, ['--http', '0']);
    server = started.server;
    mcpUrl = started.mcp as string;
    chrome = await launchChromium({ height: 900 });
    ({ page } = chrome);
    await page.goto(started.url);
    await page.getByRole('heading', { level: 1, name: 'Tools' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await mcp?.close().catch(() => {});
    await chrome?.close();
    await stopServer(server);
    if (shared) rmSync(shared, { recursive: true, force: true });
    home?.cleanup();
  });

  it('installs the component: arrow to Install, Tab to the file fields, Space to choose, switch one permission off, Enter', async () => {
    await page.keyboard.press('Tab');
    await goTo(page, 'Install');
    const policy = `version: "1.0"\npermissions:\n  storage:\n    allow:\n      - uri: "fs://${shared}/private/**"\n        access: [read]\n`;
    writeFileSync(join(shared, 'policy.yaml'), policy);
    for (const [label, file] of [
      ['Component (.wasm)', wasmPath],
      ['Policy (optional)', join(shared, 'policy.yaml')],
    ]) {
      await tabTo(page, new RegExp(`^${label.replace(/[().]/g, '\\$&')}$`));
      const chooser = page.waitForEvent('filechooser');
      await page.keyboard.press('Space');
      await (await chooser).setFiles(file);
    }
    await tabTo(page, /^Check file$/);
    await page.keyboard.press('Enter');
    const preview = page.getByRole('article', { name: /^read-file/ });
    await preview.waitFor({ timeout: 60_000 });
    // The person keeps the private folder for later: switched off, it is asked for when used.
    await tabTo(page, new RegExp(`^Allow: Read files in ${shared}/private$`));
    await page.keyboard.press('Space');
    await tabTo(page, /^Install (and allow \d+|without permissions)$/);
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'read-file is installed' }).waitFor({ timeout: 60_000 });
  }, 120_000);

  it('answers the request a call raises: arrow to Requests, Tab to Allow once, Enter', async () => {
    const token = readFileSync(tokenPath(home.home), 'utf8').trim();
    mcp = new Client({ name: 'keyboard-e2e', version: '1.0.0' });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    const held = mcp.callTool({ name: 'read-file', arguments: { path: join(shared, 'private', 'plan.txt') } });
    await page.getByTestId('requests-badge').waitFor({ timeout: 15_000 });
    await goTo(page, 'Requests');
    const request = page.getByRole('article', { name: /wants to read files in/ });
    await request.waitFor();
    // What waits is named: the tool, its arguments and the client.
    expect(await request.getByText(join(shared, 'private', 'plan.txt'), { exact: false }).isVisible()).toBe(true);
    expect(await request.getByText('from keyboard-e2e/1.0.0').isVisible()).toBe(true);
    await expect.poll(() => request.getByRole('button', { name: 'Allow once' }).isEnabled()).toBe(true);
    await page.screenshot({ path: join(RUN_SHOTS, 'keyboard-requests.png'), fullPage: true });
    await tabTo(page, /^Allow once$/);
    await page.keyboard.press('Enter');
    const result = await held;
    expect(JSON.stringify(result.content)).toContain('the plan');
  }, 120_000);

  it('opens the audit entry of that answer: arrow to Audit, Tab to its Details, Enter', async () => {
    await goTo(page, 'Audit');
    const answer = page.getByRole('row', { name: /Answered a permission request/ }).first();
    await answer.waitFor();
    const seq = (await answer.locator('td').first().textContent())?.trim();
    await tabTo(page, new RegExp(`^Details of entry ${seq}$`));
    await page.keyboard.press('Enter');
    const detail = page.locator('.entry-detail').first();
    await detail.waitFor();
    expect(await detail.getByText('policy.decide', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /^Hide/ }).getAttribute('aria-expanded')).toBe('true');
    await page.screenshot({ path: join(RUN_SHOTS, 'keyboard-audit-detail.png'), fullPage: true });
  }, 60_000);

  it('logged no errors in the page', () => {
    expect(chrome.consoleErrors).toEqual([]);
  });
});
