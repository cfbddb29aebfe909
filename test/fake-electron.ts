import { EventEmitter } from 'node:events';

/**
 * Just enough of Electron's main-process API to run src-main/index.ts without the Electron binary:
 * each fake records what the shell did (windows loaded, handlers registered, dialogs shown) and lets
 * a test emit what the OS or the renderer would (ready, second-instance, navigation, IPC calls).
 */
export class FakeWebContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  sent: [string, ...unknown[]][] = [];
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.openHandler = handler;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  /** What Electron does before navigating: emit will-navigate with a preventable event. */
  navigate(url: string): { prevented: boolean } {
    const e = { prevented: false, preventDefault: () => (e.prevented = true) };
    this.emit('will-navigate', e, url);
    return e;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  url = '';
  visible = false;
  destroyed = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.all.push(this);
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.all.filter((w) => !w.destroyed);
  }
  loadURL(url: string): Promise<void> {
    this.url = url;
    this.emit('ready-to-show');
    return Promise.resolve();
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {}
  restore(): void {}
  isMinimized(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** The user closes the window: preventable, as in Electron. */
  close(): void {
    const e = { prevented: false, preventDefault: () => (e.prevented = true) };
    this.emit('close', e);
    if (!e.prevented) this.destroyed = true;
  }
}

type IpcHandler = (event: { senderFrame: { url: string; parent: unknown } | null }, ...args: unknown[]) => unknown;

export class FakeIpcMain {
  handlers = new Map<string, IpcHandler>();
  handle(channel: string, handler: IpcHandler): void {
    if (this.handlers.has(channel)) throw new Error(`a handler for ${channel} is already registered`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** A renderer's ipcRenderer.invoke from a frame at `url` (a sub-frame when `parent` is set). */
  invoke(channel: string, frame: { url: string; parent?: unknown } | null, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`nothing handles ${channel}`);
    return Promise.resolve(handler({ senderFrame: frame && { url: frame.url, parent: frame.parent ?? null } }, ...args));
  }
}

export class FakeApp extends EventEmitter {
  isPackaged = false;
  ready = false;
  quits = 0;
  exited = false;
  singleInstance = true;
  protocolClients: unknown[][] = [];
  loginItem = { openAtLogin: false };
  private readyResolve!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => {
    this.readyResolve = resolve;
  });
  requestSingleInstanceLock(): boolean {
    return this.singleInstance;
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  isReady(): boolean {
    return this.ready;
  }
  /** The OS finished starting Electron. */
  becomeReady(): void {
    this.ready = true;
    this.emit('ready');
    this.readyResolve();
  }
  /** As Electron: before-quit may be prevented; otherwise the app goes away. */
  quit(): void {
    this.quits += 1;
    const e = { prevented: false, preventDefault: () => (e.prevented = true) };
    this.emit('before-quit', e);
    if (!e.prevented) this.exited = true;
  }
  setAsDefaultProtocolClient(...args: unknown[]): boolean {
    this.protocolClients.push(args);
    return true;
  }
  getLoginItemSettings(): { openAtLogin: boolean } {
    return this.loginItem;
  }
  setLoginItemSettings(s: { openAtLogin: boolean }): void {
    this.loginItem = s;
  }
}

export class FakeNotification extends EventEmitter {
  static shown: FakeNotification[] = [];
  closed = false;
  static isSupported(): boolean {
    return true;
  }
  constructor(readonly options: { title: string; body: string; actions?: { type: string; text: string }[] }) {
    super();
  }
  show(): void {
    FakeNotification.shown.push(this);
  }
  close(): void {
    this.closed = true;
  }
  /** The person presses one of the notification's buttons (macOS, Windows). */
  press(text: string): void {
    this.emit('action', { actionIndex: (this.options.actions ?? []).findIndex((a) => a.text === text) });
  }
}

export class FakeTray extends EventEmitter {
  tooltip = '';
  menu: unknown[] = [];
  setImage(): void {}
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: { items: unknown[] }): void {
    this.menu = menu.items;
  }
  destroy(): void {}
}

/** One fresh set of fakes per test: `electron` is mocked to whatever `current()` returns. */
export function createFakeElectron() {
  FakeBrowserWindow.all = [];
  FakeNotification.shown = [];
  const app = new FakeApp();
  const ipcMain = new FakeIpcMain();
  const errorBoxes: { title: string; content: string }[] = [];
  const opened: string[] = [];
  const copied: string[] = [];
  let permissionHandler: ((wc: unknown, permission: string, callback: (ok: boolean) => void) => void) | null = null;
  return {
    app,
    ipcMain,
    errorBoxes,
    opened,
    copied,
    permissionAnswer(permission: string): boolean {
      let answer = true;
      permissionHandler?.(null, permission, (ok) => {
        answer = ok;
      });
      return answer;
    },
    module: {
      app,
      ipcMain,
      BrowserWindow: FakeBrowserWindow,
      Notification: FakeNotification,
      Tray: FakeTray,
      Menu: { buildFromTemplate: (items: unknown[]) => ({ items }) },
      nativeImage: { createFromPath: (path: string) => ({ path }) },
      dialog: { showErrorBox: (title: string, content: string) => errorBoxes.push({ title, content }) },
      clipboard: { writeText: (text: string) => copied.push(text) },
      shell: { openExternal: async (url: string) => void opened.push(url) },
      session: {
        defaultSession: {
          setPermissionRequestHandler: (h: typeof permissionHandler) => {
            permissionHandler = h;
          },
        },
      },
    },
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
