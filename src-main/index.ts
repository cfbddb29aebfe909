import { join } from 'node:path';
import { app, BrowserWindow } from 'electron';

// Placeholder shell: replaced by the tray app (src-main/tray.ts, windows.ts, ipc/).
app.whenReady().then(() => {
  const win = new BrowserWindow({
    webPreferences: { preload: join(import.meta.dirname, '../preload/index.cjs'), contextIsolation: true, sandbox: true },
  });
  win.loadFile(join(import.meta.dirname, '../renderer/index.html'));
});
