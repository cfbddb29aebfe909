import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, shell } from 'electron';

const OUT = join(import.meta.dirname, '..');

/** Where the renderer is loaded from: electron-vite's dev server in development, the built files otherwise. */
export function rendererUrl(): string {
  return process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(OUT, 'renderer', 'index.html')).href;
}

/**
 * The main window: untrusted UI, so no Node, an isolated and sandboxed preload, no navigation away
 * from the renderer and no new windows. Closing it hides it; Weld keeps running in the tray.
 */
export function createMainWindow(opts: { icon: string; isQuitting: () => boolean; hash?: string }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1180,
    height: 780,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Weld',
    icon: opts.icon,
    autoHideMenuBar: true,
    webPreferences: {
      preload: join(OUT, 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const home = rendererUrl();
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to the web (docs, publishers) open in the user's browser, never inside Weld.
    if (/^https:\/\//.test(url)) shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (url.split('#')[0] !== home.split('#')[0]) e.preventDefault();
  });
  win.on('close', (e) => {
    if (!opts.isQuitting()) {
      e.preventDefault();
      win.hide();
    }
  });
  win.once('ready-to-show', () => win.show());
  // The hash picks the first page (#requests, #install?ref=…); the renderer validates it again.
  win.loadURL(`${home}${opts.hash ?? ''}`);
  return win;
}

export function showWindow(win: BrowserWindow): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
