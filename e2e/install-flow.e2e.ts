import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenPath } from '../src-main/engine/mcp/transports/http-token.js';
import { buildComponent, exampleDir } from '../test/fixtures/build.js';
import { tempHome, WELD_BIN } from '../test/helpers.js';
import { axeViolations, CHROMIUM, type Chromium, launchChromium, SHOTS, showPage, stopServer } from './chromium.js';

/**
 * The whole flow a person goes through, in a real browser against `weld serve --ui --http 0`: install
 * the read-file example from a file, allow one folder, an MCP client calls the tool, the call shows in
 * the live log, a call that touches a folder not allowed waits for the person on the Requests page, the
 * answer lets it finish, and the audit log shows all of it with a verified chain.
 */

let home: string;
let cleanupHome: () => void;
let shared: string;
let server: ChildProcess;
let uiUrl: string;
let mcpUrl: string;
let chrome: Chromium;
let page: Page;
let wasm: Buffer;
let mcp: Client;

function startServer(): Promise<{ ui: string; mcp: string }> {
  server = spawn(process.execPath, [WELD_BIN, 'serve', '--ui', '--http', '0'], {
    env: { ...process.env, WELD_HOME: home, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let ui: string | undefined;
  let http: string | undefined;
  return new Promise((resolve, reject) => {
    const done = () => ui && http && resolve({ ui, mcp: http });
    createInterface({ input: server.stdout! }).on('line', (line) => {
      const m = /^Weld UI: (\S+)$/.exec(line);
      if (m) ui = m[1];
      done();
    });
    createInterface({ input: server.stderr! }).on('line', (line) => {
      if (process.env.WELD_E2E_LOG) process.stderr.write(`[weld] ${line}\n`);
      const m = /serving MCP on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(line);
      if (m) http = m[1];
      done();
    });
    server.once('exit', (code) => reject(new Error(`weld serve exited with ${code}`)));
    setTimeout(() => reject(new Error('weld serve printed no URLs within 20 s')), 20_000).unref();
  });
}

const show = (name: 'Tools' | 'Install' | 'Requests' | 'Live log' | 'Audit') => showPage(page, name);

const text = (r: Awaited<ReturnType<Client['callTool']>>) =>
  (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('');

describe.skipIf(!existsSync(CHROMIUM))('install, allow, call, answer a request (Chromium, weld serve --ui)', () => {
  beforeAll(async () => {
    wasm = readFileSync(await buildComponent(exampleDir('read-file')));
    ({ home, cleanup: cleanupHome } = tempHome('weld-e2e-flow-'));
    shared = mkdtempSync(join(tmpdir(), 'weld-e2e-shared-'));
    mkdirSync(join(shared, 'notes'));
    mkdirSync(join(shared, 'private'));
    writeFileSync(join(shared, 'notes', 'todo.txt'), 'buy milk\n');
    writeFileSync(join(shared, 'private', 'diary.txt'), 'dear diary\n');
    ({ ui: uiUrl, mcp: mcpUrl } = await startServer());
    chrome = await launchChromium({ height: 900 });
    ({ page } = chrome);
  }, 240_000);

  afterAll(async () => {
    await mcp?.close().catch(() => {});
    await chrome?.close();
    await stopServer(server);
    if (shared) rmSync(shared, { recursive: true, force: true });
    cleanupHome?.();
  }, 120_000);

  it('installs the example from a dropped file, allowing only the folder the person chose', async () => {
    await page.goto(uiUrl);
    await show('Install');
    // The example's own policy asks for a placeholder folder; this one also asks for a second folder.
    const policy = `${readFileSync(join(exampleDir('read-file'), 'policy.yaml'), 'utf8')}      - uri: "fs://${shared}/private/**"\n        access: [read]\n`;
    await page
      .getByLabel('Component (.wasm)')
      .setInputFiles({ name: 'read-file.wasm', mimeType: 'application/wasm', buffer: wasm });
    await page
      .getByLabel('Policy (optional)')
      .setInputFiles({ name: 'policy.yaml', mimeType: 'text/yaml', buffer: Buffer.from(policy) });
    await page.getByRole('button', { name: 'Check file' }).click();

    const preview = page.getByRole('article', { name: /^read-file/ });
    await expect.poll(() => preview.isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await preview.getByText('Local file').isVisible()).toBe(true);
    expect(await preview.getByText(/^sha256:[0-9a-f]{64}$/).isVisible()).toBe(true);
    expect(await preview.locator('code', { hasText: 'read-file' }).first().isVisible()).toBe(true);
    expect(await preview.locator('code', { hasText: 'list-dir' }).isVisible()).toBe(true);
    expect(await preview.getByText(`Read files in ${shared}/private`, { exact: true }).isVisible()).toBe(true);
    expect(
      await preview.getByText(`Read files in its own folder "data" (kept in Weld's data)`, { exact: true }).isVisible(),
    ).toBe(true);
    // One click would allow both; the person narrows it down first.
    expect(await preview.getByRole('button', { name: 'Install and allow 2' }).isVisible()).toBe(true);

    await preview.getByRole('button', { name: /^Choose another folder for: Read files in its own folder/ }).click();
    const folder = preview.getByLabel('Folder to share instead');
    await folder.fill('notes');
    await expect.poll(() => preview.getByText('Use a full path: it starts with / or ~/.').isVisible()).toBe(true);
    expect(await preview.getByRole('button', { name: 'Install and allow 2' }).isDisabled()).toBe(true);
    await folder.fill(join(shared, 'notes'));
    await preview.getByRole('switch', { name: `Allow: Read files in ${shared}/private` }).click();
    const install = preview.getByRole('button', { name: 'Install and allow 1' });
    await expect.poll(() => install.isEnabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'install.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    await install.click();
    const done = page.getByRole('status').filter({ hasText: 'read-file is installed' });
    await expect.poll(() => done.isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await done.getByText('You allowed 1 permission.').isVisible()).toBe(true);

    await show('Tools');
    const card = page.getByRole('article', { name: /^read-file/ });
    await expect.poll(() => card.getByText(`Read files in ${shared}/notes`, { exact: true }).isVisible()).toBe(true);
    expect(await card.getByRole('button', { name: `Revoke: Read files in ${shared}/notes` }).isVisible()).toBe(true);
    expect(await card.getByRole('button', { name: `Allow: Read files in ${shared}/private` }).isVisible()).toBe(true);
  }, 120_000);

  it('an MCP client reads from the allowed folder, and the call appears in the live log', async () => {
    await show('Live log');
    const token = readFileSync(tokenPath(home), 'utf8').trim();
    mcp = new Client({ name: 'e2e-client', version: '1.0.0' });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    const result = await mcp.callTool({ name: 'read-file', arguments: { path: join(shared, 'notes', 'todo.txt') } });
    expect(text(result)).toContain('buy milk');

    const row = page.getByRole('button', { name: 'read-file' }).first();
    await expect.poll(() => row.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByRole('cell', { name: 'e2e-client/1.0.0' }).first().isVisible()).toBe(true);
  }, 120_000);

  it('a call that touches a folder not allowed waits on the Requests page until the person answers', async () => {
    const held = mcp.callTool({ name: 'read-file', arguments: { path: join(shared, 'private', 'diary.txt') } });
    // The badge tells the person wherever they are.
    await expect.poll(() => page.getByTestId('requests-badge').textContent(), { timeout: 15_000 }).toBe('1 waiting');
    await show('Requests');
    const request = page.getByRole('article', { name: `read-file wants to read files in ${shared}/private` });
    await expect.poll(() => request.isVisible()).toBe(true);
    expect(await request.locator('code', { hasText: /^read-file$/ }).count()).toBeGreaterThan(0);
    expect(await request.getByText('from e2e-client/1.0.0').isVisible()).toBe(true);
    const allowOnce = request.getByRole('button', { name: 'Allow once' });
    await expect.poll(() => allowOnce.isEnabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'requests.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);

    await allowOnce.focus();
    await page.keyboard.press('Enter');
    expect(text(await held)).toContain('dear diary');
    await expect.poll(() => page.getByText('No requests waiting').isVisible()).toBe(true);
    expect(await page.getByText(`Allowed once: read-file wants to read files in ${shared}/private.`).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('requests-badge').count()).toBe(0);

    // Once means once: the next call asks again, and a denial keeps the file closed.
    const again = mcp.callTool({ name: 'read-file', arguments: { path: join(shared, 'private', 'diary.txt') } });
    const deny = page.getByRole('article', { name: /wants to read files in/ }).getByRole('button', { name: 'Deny' });
    await expect.poll(() => deny.isEnabled(), { timeout: 15_000 }).toBe(true);
    await deny.click();
    expect(text(await again)).not.toContain('dear diary');
  }, 120_000);

  it('the audit log shows the install, the grant, the request and both answers, and the chain verifies', async () => {
    await show('Audit');
    const action = (name: string) => page.locator('code.action-name', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) });
    for (const name of ['component.installed', 'policy.grant', 'policy.request']) {
      await expect.poll(() => action(name).first().isVisible()).toBe(true);
    }
    await expect.poll(() => action('policy.decide').count()).toBe(2);
    expect(await page.getByRole('cell', { name: /^Answered a permission request/ }).count()).toBe(2);
    expect(await page.getByRole('cell', { name: 'user:web-ui' }).count()).toBeGreaterThanOrEqual(4);
    await expect.poll(() => page.getByTestId('audit-verdict').textContent()).toMatch(/Chain verified: \d+ entries, none edited/);
  }, 120_000);

  it('revokes the folder from the Tools page, and the tool can no longer read it', async () => {
    await show('Tools');
    await page.getByRole('button', { name: `Revoke: Read files in ${shared}/notes` }).click();
    const card = page.getByRole('article', { name: /^read-file/ });
    await expect.poll(() => card.getByText('Nothing yet: Weld asks you when a tool needs something.').isVisible()).toBe(true);
  }, 120_000);

  it('a weld:// install link only pre-fills the Install page', async () => {
    const ref = 'oci://ghcr.io/weld-examples/read-file:0.1.0';
    await page.goto(`${new URL(uiUrl).origin}/#install?ref=${encodeURIComponent(ref)}`);
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Install' }).isVisible()).toBe(true);
    expect(await page.getByLabel('OCI reference or file path').inputValue()).toBe(ref);
    expect(await page.getByText('A link asked to install this component.').isVisible()).toBe(true);
    expect(await page.getByText(/Looking up the component/).count()).toBe(0);

    await page.goto(`${new URL(uiUrl).origin}/#install?ref=${encodeURIComponent('/etc/passwd')}`);
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Install' }).isVisible()).toBe(true);
    expect(await page.getByLabel('OCI reference or file path').inputValue()).toBe('');
  }, 120_000);

  it('logged no errors in the page', () => {
    expect(chrome.consoleErrors).toEqual([]);
  });
});
