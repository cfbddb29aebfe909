import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFingerprint, parsePublicKey } from '../src-main/engine/registry/keys.js';
import { runWeld, tempHome } from '../test/helpers.js';
import { registryMissing, startRegistry, type TestRegistry } from '../test/oci-registry.js';
import { addComponent } from '../test/wasm-fixture.js';
import { axeViolations, CHROMIUM, type Chromium, launchChromium, RUN_SHOTS, serveUi, showPage, stopServer } from './chromium.js';

/**
 * A person installs a component signed by a key Weld does not know, without a terminal: the Install
 * page names the key that signed it, the person adds the publisher's public key file, Weld checks it is
 * that key, the person trusts it (once, then always) and the install finishes; Settings lists the
 * publisher and can remove it, and the audit log shows each trust decision.
 */

let reg: TestRegistry;
let author: { home: string; cleanup: () => void };
let user: { home: string; cleanup: () => void };
let server: ChildProcess | undefined;
let chrome: Chromium;
let page: Page;
let fingerprint: string;
let pubFile: string;

async function publish(variant: string, repoTag: string): Promise<string> {
  const file = join(author.home, `${variant}.wasm`);
  writeFileSync(file, await addComponent(variant));
  const ref = `oci://${reg.host}/${repoTag}`;
  const r = await runWeld(['publish', file, ref, '--key', join(author.home, 'acme.key')], author.home);
  expect(r.stderr).toBe('');
  return ref;
}

describe.skipIf(!existsSync(CHROMIUM) || registryMissing !== null)('trusting a publisher from the window (Chromium)', () => {
  beforeAll(async () => {
    reg = await startRegistry();
    author = tempHome('weld-e2e-author-');
    user = tempHome('weld-e2e-trust-');
    expect((await runWeld(['keygen', '--out', author.home, '--name', 'acme'], author.home)).code).toBe(0);
    pubFile = join(author.home, 'acme.pub');
    fingerprint = keyFingerprint(parsePublicKey(readFileSync(pubFile, 'utf8'), 'acme'));
    mkdirSync(RUN_SHOTS, { recursive: true });
    let url: string;
    ({ server, url } = await serveUi(user.home));
    chrome = await launchChromium({ height: 900 });
    ({ page } = chrome);
    await page.goto(url);
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    await stopServer(server);
    await reg?.stop();
    author?.cleanup();
    user?.cleanup();
  });

  it('shows who signed an untrusted component and installs it once the person trusts the key for this install', async () => {
    const ref = await publish('once', 'acme/clock:1.0');
    await showPage(page, 'Install');
    // Typed the way registries print it, without oci://.
    await page.getByLabel('OCI reference or file path').fill(ref.slice('oci://'.length));
    expect(await page.getByText(`Check looks up ${ref}.`).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Check', exact: true }).click();

    const notice = page.getByRole('region', { name: 'Signed by a publisher you do not trust yet' });
    await expect.poll(() => notice.isVisible(), { timeout: 30_000 }).toBe(true);
    const shown = (await notice.getByTestId('signer').textContent())?.replace(/^SHA256|\s/g, '');
    expect(shown).toBe(fingerprint);
    expect(await notice.getByText(/Weld does not install unsigned/).count()).toBe(0);

    // A key that did not sign it is refused in words.
    const other = join(author.home, 'other');
    mkdirSync(other);
    expect((await runWeld(['keygen', '--out', other, '--name', 'other'], author.home)).code).toBe(0);
    await notice.getByLabel("Publisher's public key").setInputFiles(join(other, 'other.pub'));
    await expect.poll(() => notice.getByText(/This is not the key that signed/).isVisible()).toBe(true);

    await notice.getByLabel("Publisher's public key").setInputFiles(pubFile);
    await expect.poll(() => notice.getByText(`This is the key that signed ${ref}.`).isVisible()).toBe(true);
    expect(await notice.getByText(/For this install only\. Weld installs this component; its next version/).isVisible()).toBe(
      true,
    );
    await page.screenshot({ path: join(RUN_SHOTS, 'install-trust-publisher.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    await notice.getByRole('button', { name: 'Trust for this install and continue' }).click();

    const preview = page.getByRole('article', { name: /^clock/ });
    await expect.poll(() => preview.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await preview.getByText('Signature verified').isVisible()).toBe(true);
    expect(await preview.getByText(/trusted for this install/).isVisible()).toBe(true);
    await preview.getByRole('button', { name: /^Install/ }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'clock is installed' }).isVisible(), { timeout: 30_000 })
      .toBe(true);

    // Nothing was saved: the trusted publishers list is still empty.
    await showPage(page, 'Settings');
    await expect.poll(() => page.getByText('Nobody yet: a signed component asks you').isVisible()).toBe(true);
  }, 120_000);

  it('trusts the publisher always, lists it in Settings, removes it, and the audit log has each decision', async () => {
    const ref = await publish('always', 'acme/timer:2.0');
    await showPage(page, 'Install');
    await page.getByLabel('OCI reference or file path').fill(ref);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const notice = page.getByRole('region', { name: 'Signed by a publisher you do not trust yet' });
    await expect.poll(() => notice.isVisible(), { timeout: 30_000 }).toBe(true);
    await notice.getByLabel('or paste it here').fill(readFileSync(pubFile, 'utf8'));
    await expect.poll(() => notice.getByText(`This is the key that signed ${ref}.`).isVisible()).toBe(true);
    await notice.getByLabel(/^Always\./).check();
    expect(await notice.getByLabel('Name for this publisher').inputValue()).toBe('acme');
    await notice.getByRole('button', { name: 'Trust always and continue' }).click();

    const preview = page.getByRole('article', { name: /^timer/ });
    await expect.poll(() => preview.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await preview.getByText('by acme', { exact: true }).isVisible()).toBe(true);
    await preview.getByRole('button', { name: /^Install/ }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'timer is installed' }).isVisible(), { timeout: 30_000 })
      .toBe(true);

    await showPage(page, 'Settings');
    const trusted = page.getByRole('region', { name: 'Trusted publishers' });
    await expect.poll(() => trusted.locator('strong', { hasText: /^acme$/ }).isVisible()).toBe(true);
    await page.screenshot({ path: join(RUN_SHOTS, 'settings-trusted-publishers.png'), fullPage: true });
    await trusted.getByRole('button', { name: 'Remove acme' }).click();
    const dialog = page.getByRole('dialog', { name: 'Stop trusting acme?' });
    await dialog.getByRole('button', { name: 'Stop trusting' }).click();
    await expect.poll(() => trusted.getByText('Nobody yet: a signed component asks you').isVisible()).toBe(true);

    await showPage(page, 'Audit');
    for (const action of ['trust.once', 'trust.key.added', 'trust.removed']) {
      await expect.poll(() => page.getByText(action, { exact: true }).first().isVisible()).toBe(true);
    }
  }, 120_000);

  it('logged no errors in the page', () => {
    expect(chrome.consoleErrors).toEqual([]);
  });
});
