import type { BrowserWindow, IpcMain } from 'electron';
import type { ApiEventStream } from '../api/event-stream.js';
import type { ApiDispatch } from '../api/registry.js';
import type { Logger } from '../engine/log.js';
import { isTrustedSender } from '../shell/trusted-sender.js';
import { answerApiCall } from './answer.js';

/** Wires the contract to Electron: one invoke channel in, one event channel out. */
export function registerApiIpc(deps: {
  ipcMain: IpcMain;
  dispatch: ApiDispatch;
  events: ApiEventStream;
  rendererUrl: string;
  window: () => BrowserWindow | null;
  logger: Logger;
}): () => void {
  deps.ipcMain.handle('weld:api', (e, name: unknown, input: unknown) => {
    const frame = e.senderFrame;
    const trusted = isTrustedSender(frame?.url, deps.rendererUrl, frame !== null && frame.parent === null);
    if (!trusted) deps.logger.warn('refused an API call from an untrusted frame', { url: frame?.url });
    return answerApiCall(deps.dispatch, trusted, name, input, (err) =>
      deps.logger.error('API operation failed', { op: String(name), err: String(err) }),
    );
  });
  const off = deps.events.subscribe((event) => {
    const win = deps.window();
    if (win && !win.isDestroyed()) win.webContents.send('weld:event', event.name, event.payload);
  });
  return () => {
    off();
    deps.ipcMain.removeHandler('weld:api');
  };
}
