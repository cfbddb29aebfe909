import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src-main/engine/store/index.js';
import { REPO, sampleComponent, tempHome } from '../test/helpers.js';
import { SHOTS } from './chromium.js';

/** Same lookup as scripts/start.js: electron's path.txt names the binary inside its dist folder. */
function electronBinary(): string | null {
  const dir = join(REPO, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const bin = electronBinary();
const title = bin
  ? 'Electron tray app'
  : 'Electron tray app (skipped: the Electron binary is not installed; run `npx install-electron` with network access)';

describe.skipIf(!bin)(title, () => {
  it('opens a sandboxed window that lists components and stays in the tray when closed', async () => {
    const { home, cleanup } = tempHome('weld-electron-');
    const store = openStore(join(home, 'weld.db'));
    store.components.put(sampleComponent());
    store.close();
    const app = await electron.launch({
      executablePath: bin as string,
      args: [REPO, '--no-sandbox'],
      env: { ...(process.env as Record<string, string>), WELD_HOME: home },
    });
    try {
      const page = await app.firstWindow();
      await expect.poll(() => page.getByRole('heading', { level: 2, name: /fetch-notes/ }).isVisible()).toBe(true);
      // No Node in the renderer: only the typed bridge.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => Object.keys((window as unknown as { weld: object }).weld).sort())).toEqual([
        'invoke',
        'onEvent',
      ]);
      await page.screenshot({ path: join(SHOTS, 'electron.png') });
      // Closing the window hides it: Weld keeps serving from the tray.
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0].close());
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.isVisible()))).toEqual([false]);
    } finally {
      await app.close();
      cleanup();
    }
  });
});
