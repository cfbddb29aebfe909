import { join } from 'node:path';
import { app, type BrowserWindow, clipboard, dialog, ipcMain, Notification, session } from 'electron';
import { deepLinkInArgs } from '../src-preload/deep-link.js';
import { createApiEventStream } from './api/event-stream.js';
import { createApiDispatch } from './api/registry.js';
import { clientConfig } from './api/settings.js';
import { cliLauncher } from './cli/mcp-clients/launcher.js';
import { resolveDataDir } from './engine/config.js';
import { acquireInstanceLock, type InstanceLock, InstanceRunningError } from './engine/instance.js';
import { createLogger } from './engine/log.js';
import { type Endpoints, startEndpoints } from './engine/mcp/transports/endpoints.js';
import { createWeld, type Weld } from './engine/weld.js';
import { registerApiIpc } from './ipc/api.js';
import { linkAction } from './shell/deep-link-action.js';
import { pauseAll, resumeAll } from './shell/pause.js';
import { NOTIFICATION, requestNotifications } from './shell/request-notifications.js';
import { initialTrayState, type TrayAction, type TrayState, trayReduce, withPending } from './shell/tray-model.js';
import { createTray, RESOURCES } from './tray.js';
import { createMainWindow, rendererUrl, showWindow } from './windows.js';

// The tray app: a thin shell around the same engine `weld serve` runs. All logic lives in the engine,
// src-main/api and src-main/shell (plain Node, tested without Electron).

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let quitting = false;
  let win: BrowserWindow | null = null;
  let weld: Weld | null = null;
  const dataDir = resolveDataDir();
  const logger = createLogger({ file: join(dataDir, 'weld.log') });
  // MCP clients run the CLI. From a checkout (`npm start` passes its Node) that is the same
  // `node bin/weld.js` entry `weld config` writes; the packaged app runs its bundled CLI with its own
  // runtime, so no separate Node install is needed.
  const launcher =
    !app.isPackaged && process.env.WELD_NODE
      ? cliLauncher(join(import.meta.dirname, '..', '..', 'bin', 'weld.js'), process.env.WELD_NODE)
      : { command: process.execPath, args: [join(import.meta.dirname, 'cli.js')], env: { ELECTRON_RUN_AS_NODE: '1' } };
  let lock: InstanceLock | null = null;
  let endpoints: Endpoints | null = null;

  /** Shows the window, on a given page when asked: a new window loads it, an open one is told over the event channel. */
  const openWindow = (page?: 'requests') => {
    if (!win || win.isDestroyed()) {
      win = createMainWindow({ icon: join(RESOURCES, 'icon.png'), isQuitting: () => quitting, hash: page ? `#${page}` : '' });
      return;
    }
    showWindow(win);
    if (page) win.webContents.send('weld:event', 'ui.show', { page });
  };
  // weld://install?ref=oci://… only ever opens the Install page pre-filled; the person still clicks Install.
  const openLink = (link: string) => {
    const action = linkAction(link, win !== null && !win.isDestroyed());
    if (action.kind === 'refused') {
      logger.warn('refused a weld:// link', { reason: action.reason });
      if (app.isReady()) dialog.showErrorBox('Weld cannot open this link', `${action.reason}.`);
      return;
    }
    if (action.kind === 'load') {
      win = createMainWindow({ icon: join(RESOURCES, 'icon.png'), isQuitting: () => quitting, hash: action.hash });
      return;
    }
    openWindow();
    win?.webContents.send('weld:event', 'ui.install', { ref: action.ref });
  };
  // A link that arrives while the engine is still starting waits for it.
  let pendingLink: string | null = deepLinkInArgs(process.argv);
  let weldReady = false;
  // In development Electron runs the app folder as its argument; the OS must start it the same way.
  if (process.defaultApp && process.argv[1]) app.setAsDefaultProtocolClient('weld', process.execPath, [process.argv[1]]);
  else app.setAsDefaultProtocolClient('weld');
  // Windows and Linux start a second instance with the link in its arguments; macOS sends open-url.
  app.on('second-instance', (_e, argv) => {
    const link = deepLinkInArgs(argv);
    if (!weldReady) pendingLink = link ?? pendingLink;
    else if (link) openLink(link);
    else openWindow();
  });
  app.on('open-url', (e, link) => {
    e.preventDefault();
    if (app.isReady() && weldReady) openLink(link);
    else pendingLink = link;
  });
  // Closing the last window keeps Weld serving tools from the tray.
  app.on('window-all-closed', () => {});
  let stopped = false;
  app.on('before-quit', (e) => {
    quitting = true;
    if (stopped) return;
    // However the app quits (tray, OS, updater), let running calls finish and flush the batched call
    // and audit rows before the process goes: hold the quit until that is done, then quit again.
    e.preventDefault();
    stopped = true;
    shutdown().finally(() => app.quit());
  });
  async function shutdown(): Promise<void> {
    try {
      await endpoints?.close();
      await weld?.stop();
    } catch (err) {
      logger.error('stopping Weld failed', { err: String(err) });
    } finally {
      lock?.release();
    }
  }

  app.whenReady().then(async () => {
    // The renderer never needs camera, notifications-from-page, geolocation and so on.
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

    let state: TrayState = initialTrayState(app.getLoginItemSettings().openAtLogin);
    let pausedIds: string[] = [];
    const tray = createTray((action) => {
      onTray(action).catch((err) => logger.error('tray action failed', { action, err: String(err) }));
    });
    const render = () => tray.render(state);

    try {
      // One long-running Weld per data dir: `npm start`'s web fallback or `weld serve` may hold it.
      lock = acquireInstanceLock(dataDir, { shell: 'electron', ui: null, socket: null });
    } catch (err) {
      if (!(err instanceof InstanceRunningError)) throw err;
      dialog.showErrorBox('Weld is already running', `${err.message[0].toUpperCase()}${err.message.slice(1)}`);
      stopped = true;
      app.quit();
      return;
    }
    try {
      weld = await createWeld({ home: dataDir, logger });
      // Clients configured by `weld config` reach this process through `weld connect`.
      endpoints = await startEndpoints(weld, { socket: true });
      lock.update({ socket: endpoints.socketPath ?? null });
    } catch (err) {
      state = { ...state, error: (err as Error).message };
      render();
      dialog.showErrorBox('Weld could not start', (err as Error).message);
      return;
    }
    const dispatch = createApiDispatch({
      weld,
      actor: 'user:desktop',
      shell: 'electron',
      httpUrl: null,
      socketPath: endpoints.socketPath ?? null,
      launcher,
    });
    // The desktop app can always reach its person (window, tray, notification), so held calls wait for them.
    const events = createApiEventStream(weld, { decider: 'desktop' });
    registerApiIpc({ ipcMain, dispatch, events, rendererUrl: rendererUrl(), window: () => win, logger });
    // Requests already waiting (held by another Weld process) show in the tray from the start.
    state = withPending(state, weld.policy.pending());
    const engine = weld;
    const notify = Notification.isSupported()
      ? requestNotifications({
          create: (options) => new Notification(options),
          decide: (id, answer) => void engine.policy.decide(id, answer, 'user:desktop', NOTIFICATION),
          openRequests: () => openWindow('requests'),
          onError: (err) => logger.warn('an answer from a notification was not recorded', { err: String(err) }),
        })
      : () => {};
    events.subscribe((event) => {
      notify(event);
      const next = trayReduce(state, event);
      if (next === state) return;
      state = next;
      render();
    });
    render();
    weldReady = true;
    if (pendingLink) openLink(pendingLink);
    else openWindow();
    pendingLink = null;

    async function onTray(action: TrayAction): Promise<void> {
      switch (action) {
        case 'open':
          return openWindow();
        case 'openRequests':
          return openWindow('requests');
        case 'togglePause':
          if (state.paused) await resumeAll(dispatch, pausedIds);
          else pausedIds = await pauseAll(dispatch);
          state = { ...state, paused: !state.paused };
          return render();
        case 'copyConfig':
          return clipboard.writeText(clientConfig(dataDir, launcher));
        case 'toggleStartAtLogin': {
          const openAtLogin = !state.startAtLogin;
          app.setLoginItemSettings({ openAtLogin });
          state = { ...state, startAtLogin: openAtLogin };
          return render();
        }
        case 'quit':
          app.quit();
      }
    }
  });
}
