import { spawn } from 'node:child_process';
import { existsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeElectron, FakeBrowserWindow, type FakeElectron, FakeNotification } from '../test/fake-electron.js';
import { sampleComponent, tempHome } from '../test/helpers.js';
import { silentLogger } from './engine/log.js';
import { openStore } from './engine/store/index.js';
import { createWeld } from './engine/weld.js';

// src-main/index.ts is the Electron main process: it runs at import. Each test imports it afresh
// against new fakes for the electron module and a fresh data dir.
const holder = vi.hoisted(() => ({ fake: null as unknown as { module: Record<string, unknown> } }));
vi.mock('electron', () => {
  const names = [
    'app',
    'ipcMain',
    'BrowserWindow',
    'Notification',
    'Tray',
    'Menu',
    'nativeImage',
    'dialog',
    'clipboard',
    'shell',
    'session',
  ];
  // Getters, so each test's fresh fakes are what the freshly imported main process sees.
  return Object.defineProperties(
    {},
    Object.fromEntries(names.map((name) => [name, { enumerable: true, get: () => holder.fake.module[name] }])),
  );
});

let fake: FakeElectron;
let home: string;
let cleanup: () => void;
const savedArgv = process.argv;
const savedHome = process.env.WELD_HOME;

beforeEach(() => {
  ({ home, cleanup } = tempHome());
  process.env.WELD_HOME = home;
  fake = createFakeElectron();
  holder.fake = fake;
  vi.resetModules();
});

afterEach(async () => {
  // Quit as the tray would, and wait for the shell to stop the engine and give the data dir back.
  if (!fake.app.exited) fake.app.quit();
  await until(() => fake.app.exited && !existsSync(join(home, 'instance.json')));
  process.argv = savedArgv;
  if (savedHome === undefined) delete process.env.WELD_HOME;
  else process.env.WELD_HOME = savedHome;
  cleanup();
});

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts the main process the way Electron does: load index.js, then report ready. */
async function startApp(argv: string[] = []): Promise<FakeBrowserWindow> {
  process.argv = [process.execPath, 'weld-app', ...argv];
  await import('./index.js');
  fake.app.becomeReady();
  await until(() => FakeBrowserWindow.getAllWindows().length > 0 || fake.errorBoxes.length > 0);
  return FakeBrowserWindow.getAllWindows()[0];
}

const renderer = (win: FakeBrowserWindow) => win.url.split('#')[0];

describe('Electron main process (with fakes for Electron)', () => {
  it('serves the MCP socket (0600) from the tray app and holds the data dir', async () => {
    const win = await startApp();
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    await until(() => existsSync(join(home, 'weld.sock')));
    expect(statSync(join(home, 'weld.sock')).mode & 0o777).toBe(0o600);
    const reply = (await fake.ipcMain.invoke('weld:api', { url: renderer(win) }, 'settings.get', {})) as {
      ok: boolean;
      value: { shell: string; socketPath: string; clientConfig: string };
    };
    expect(reply.value).toMatchObject({ shell: 'electron', socketPath: join(home, 'weld.sock') });
    expect(JSON.parse(reply.value.clientConfig).mcpServers.weld.args).toContain('connect');
    // The renderer never gets camera, geolocation and the like.
    expect(fake.permissionAnswer('media')).toBe(false);
  });

  it('answers the API only to its own renderer in the main frame', async () => {
    const win = await startApp();
    const call = (frame: { url: string; parent?: unknown } | null) =>
      fake.ipcMain.invoke('weld:api', frame, 'settings.get', {}) as Promise<{ ok: boolean; error?: { code: string } }>;
    expect((await call({ url: `${renderer(win)}#audit` })).ok).toBe(true);
    for (const frame of [
      { url: 'https://evil.example/' },
      { url: 'file:///tmp/evil.html' },
      { url: renderer(win), parent: {} },
      null,
    ]) {
      expect(await call(frame), JSON.stringify(frame)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    }
  });

  it('keeps the window on its renderer: no navigation away, no new windows, web links go to the browser', async () => {
    const win = await startApp();
    expect(win.webContents.navigate('https://evil.example/').prevented).toBe(true);
    expect(win.webContents.navigate('file:///etc/passwd').prevented).toBe(true);
    expect(win.webContents.navigate(`${renderer(win)}#log`).prevented).toBe(false);
    expect(win.webContents.openHandler?.({ url: 'https://github.com/weld' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler?.({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(fake.opened).toEqual(['https://github.com/weld']);
    // Closing the window hides it; Weld keeps serving from the tray.
    win.close();
    expect(win.isDestroyed()).toBe(false);
    expect(win.visible).toBe(false);
  });

  it('opens a weld:// install link only as a pre-filled Install page, and refuses a bad one with a dialog', async () => {
    const ref = 'oci://ghcr.io/example/fetch-notes:1.2.0';
    const link = `weld://install?ref=${encodeURIComponent(ref)}`;
    const win = await startApp([link]);
    expect(win.url).toBe(`${renderer(win)}#install?ref=${encodeURIComponent(ref)}`);
    // A second launch with a link (Windows, Linux) reaches the open window over the event channel.
    fake.app.emit('second-instance', {}, ['weld-app', link.replace('1.2.0', '1.3.0')]);
    expect(win.webContents.sent).toContainEqual(['weld:event', 'ui.install', { ref: ref.replace('1.2.0', '1.3.0') }]);
    // macOS sends open-url; a link that is not an oci:// install is refused and nothing is sent.
    const sent = win.webContents.sent.length;
    const e = { preventDefault: vi.fn() };
    fake.app.emit('open-url', e, 'weld://install?ref=file:///etc/passwd');
    expect(e.preventDefault).toHaveBeenCalled();
    expect(fake.errorBoxes).toEqual([
      { title: 'Weld cannot open this link', content: 'only oci:// references can be installed from a link.' },
    ]);
    expect(win.webContents.sent.length).toBe(sent);
    expect(FakeBrowserWindow.getAllWindows()).toHaveLength(1);
  });

  it('raises a notification for a request held by another Weld process: a click opens Requests, Deny answers it', async () => {
    const win = await startApp();
    const other = await createWeld({ home, logger: silentLogger });
    try {
      other.store.components.put(sampleComponent());
      const asked = other.policy.ask({
        componentId: 'fetch-notes',
        kind: 'network',
        target: 'api.github.com:443',
        by: 'mcp:claude',
      });
      if (asked.status !== 'pending') throw new Error('expected a pending request');
      await until(() => FakeNotification.shown.length === 1);
      const notice = FakeNotification.shown[0];
      expect(notice.options.body).toMatch(/fetch-notes/);
      notice.emit('click');
      expect(win.webContents.sent).toContainEqual(['weld:event', 'ui.show', { page: 'requests' }]);
      notice.press('Deny');
      expect(other.policy.getRequest(asked.request.id)?.status).toBe('denied');
      // Answered: the notification goes away.
      await until(() => notice.closed);
    } finally {
      await other.stop();
    }
  });

  it('on quit, finishes writing the audit log and gives the socket and data dir back before exiting', async () => {
    const win = await startApp();
    const saved = (await fake.ipcMain.invoke('weld:api', { url: renderer(win) }, 'settings.setCallHistory', { days: 30 })) as {
      ok: boolean;
    };
    expect(saved.ok).toBe(true);
    fake.app.quit();
    // The first quit is held until the engine has stopped, then repeated.
    expect(fake.app.exited).toBe(false);
    await until(() => fake.app.exited);
    expect(fake.app.quits).toBe(2);
    expect(existsSync(join(home, 'weld.sock'))).toBe(false);
    expect(existsSync(join(home, 'instance.json'))).toBe(false);
    const store = openStore(join(home, 'weld.db'));
    try {
      const rows = store.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'settings.changed'").get() as {
        n: number;
      };
      expect(rows.n).toBe(1);
    } finally {
      store.close();
    }
  });

  it('refuses to start while another Weld serves the same data dir, saying which', async () => {
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      writeFileSync(
        join(home, 'instance.json'),
        JSON.stringify({ pid: other.pid, exe: process.execPath, shell: 'web', ui: 'http://127.0.0.1:9/?token=t', socket: null }),
      );
      await startApp();
      expect(fake.errorBoxes).toEqual([
        {
          title: 'Weld is already running',
          content: `A Weld is already running for ${home}: pid ${other.pid}, UI at http://127.0.0.1:9/?token=t. Use it, or stop it first.`,
        },
      ]);
      expect(fake.app.exited).toBe(true);
      expect(FakeBrowserWindow.getAllWindows()).toEqual([]);
      expect(existsSync(join(home, 'weld.sock'))).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
    // The other Weld's file was left alone; it is that Weld's to remove.
    expect(existsSync(join(home, 'instance.json'))).toBe(true);
    unlinkSync(join(home, 'instance.json'));
  });
});
