import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src-main/engine/store/index.js';
import { sampleComponent, tempHome } from '../test/helpers.js';
import { axeViolations, CHROMIUM, type Chromium, launchChromium, RUN_SHOTS, serveUi, showPage, stopServer } from './chromium.js';

/**
 * The walk a reviewer makes: every page at 1280, 800 and 390 px wide, by mouse and by keyboard. Each
 * page fits its width (no horizontal scrolling), axe finds nothing serious, the navigation is one Tab
 * stop with arrow keys between pages, keyboard focus is visible, and a mouse click leaves no ring.
 * Screenshots go to test-results/screenshots/walk-<page>-<width>.png (ignored by git).
 */

const PAGES = ['Tools', 'Install', 'Requests', 'Live log', 'Audit', 'Settings'] as const;
const WIDTHS = [1280, 800, 390] as const;

let home: { home: string; cleanup: () => void };
let server: ChildProcess | undefined;
let chrome: Chromium;
let page: Page;

/** What sticks out past the viewport's right edge, by element, so a failure says where to look. */
function overflow(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const out: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && r.width > 0)
        out.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
    }
    return out.slice(0, 8);
  });
}

/** The focused element and whether a person can see where focus is (an outline or a ring). */
function focusState(p: Page): Promise<{ text: string; role: string | null; visible: boolean; focusVisible: boolean }> {
  return p.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { text: '', role: null, visible: false, focusVisible: false };
    const s = getComputedStyle(el);
    const ring = (s.outlineStyle !== 'none' && Number.parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    return {
      text: (el.textContent ?? '').trim().slice(0, 40),
      role: el.getAttribute('role'),
      visible: ring,
      focusVisible: el.matches(':focus-visible'),
    };
  });
}

describe.skipIf(!existsSync(CHROMIUM))('the page-by-page walk at three widths, by mouse and keyboard (Chromium)', () => {
  beforeAll(async () => {
    home = tempHome('weld-e2e-walk-');
    const store = openStore(join(home.home, 'weld.db'));
    store.components.put(sampleComponent());
    // Pages with rows in them: long audit details and calls, as after a day of use.
    const t = Date.now() - 3_600_000;
    store.audit.append([
      {
        at: t,
        actor: 'cli:alice',
        action: 'component.installed',
        subject: 'fetch-notes',
        detail: { digest: `sha256:${'ab'.repeat(32)}`, source: 'oci://ghcr.io/example/fetch-notes:1.2.0', signature: 'verified' },
      },
      {
        at: t + 1000,
        actor: 'user:web-ui',
        action: 'policy.grant',
        subject: 'fetch-notes',
        detail: { kind: 'storage', target: 'fs:///home/alice/Documents/notes/**', access: 'read', scope: 'always' },
      },
      {
        at: t + 2000,
        actor: 'component:fetch-notes',
        action: 'policy.request',
        subject: 'fetch-notes',
        detail: { kind: 'network', target: 'api.github.com:443', origin: 'runtime' },
      },
    ]);
    const insert = store.db.prepare(
      "INSERT INTO calls (id, component_id, tool, client, args_size, args_hash, status, started_at, duration_us, args) VALUES (?, 'fetch-notes', ?, 'claude-desktop/0.12.4', 40, 'h', ?, ?, 1234, ?)",
    );
    const statuses = ['ok', 'denied', 'error', 'ok', 'timeout'];
    for (const [i, status] of statuses.entries()) {
      const args = JSON.stringify({ query: 'meeting notes from the last quarterly planning session', limit: 20 });
      insert.run(`call-${i}`, i % 2 ? 'fetch-issue' : 'search-notes', status, t + i * 60_000, args);
    }
    store.close();
    mkdirSync(RUN_SHOTS, { recursive: true });
    let url: string;
    ({ server, url } = await serveUi(home.home));
    chrome = await launchChromium({ height: 860 });
    ({ page } = chrome);
    await page.goto(url);
    await page.getByRole('heading', { level: 2, name: /fetch-notes/ }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await chrome?.close();
    await stopServer(server);
    home?.cleanup();
  });

  for (const width of WIDTHS) {
    it(`every page fits ${width} px, with nothing serious for axe`, async () => {
      await page.setViewportSize({ width, height: 860 });
      const problems: Record<string, string[]> = {};
      for (const name of PAGES) {
        await showPage(page, name);
        // Let the page's data arrive before measuring it.
        await page.waitForLoadState('networkidle');
        const found = [...(await overflow(page)), ...(await axeViolations(page))];
        if (found.length) problems[name] = found;
        const file = name.toLowerCase().replace(' ', '-');
        await page.screenshot({ path: join(RUN_SHOTS, `walk-${file}-${width}.png`), fullPage: true });
      }
      expect(problems).toEqual({});
    }, 120_000);
  }

  it('reaches every page from the keyboard: one Tab stop into the navigation, arrows between pages, focus visible', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    // Start afresh, as a keyboard user arriving at the page would.
    await page.evaluate(() => window.history.replaceState(null, '', '#tools'));
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Tools' }).waitFor();
    await page.keyboard.press('Tab');
    let focus = await focusState(page);
    expect(focus).toMatchObject({ role: 'tab', text: 'Tools', visible: true, focusVisible: true });
    for (const name of PAGES.slice(1)) {
      await page.keyboard.press('ArrowDown');
      await expect.poll(async () => (await focusState(page)).text).toMatch(new RegExp(`^${name}`));
      await expect.poll(async () => (await focusState(page)).visible).toBe(true);
      await expect.poll(() => page.getByRole('heading', { level: 1, name }).isVisible()).toBe(true);
    }
    // Tab leaves the navigation for the page itself: the next stop is a control on the page (once it loaded).
    await page.getByRole('button', { name: 'Copy client config' }).waitFor();
    await page.keyboard.press('Tab');
    focus = await focusState(page);
    expect(focus.role).not.toBe('tab');
    expect(focus.visible).toBe(true);
  });

  it('a mouse click on the navigation leaves no focus ring', async () => {
    await page.evaluate(() => window.history.replaceState(null, '', '#tools'));
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Tools' }).waitFor();
    await page.getByRole('tab', { name: /^Audit/ }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Audit' }).isVisible()).toBe(true);
    const after = await focusState(page);
    expect(after.visible, `focus ring on ${JSON.stringify(after)}`).toBe(false);
    // The next key press is the keyboard again: the ring comes back.
    await page.keyboard.press('ArrowDown');
    await expect.poll(async () => (await focusState(page)).visible).toBe(true);
  });

  it('logged no errors in the page', () => {
    expect(chrome.consoleErrors).toEqual([]);
  });
});
