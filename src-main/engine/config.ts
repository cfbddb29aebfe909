import { homedir } from 'node:os';
import { join } from 'node:path';

export interface PlatformInfo {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
}

/**
 * The data dir is shared by the tray app and the CLI, so both must derive it the same way:
 * WELD_HOME wins, else the OS convention for per-user application data.
 */
export function resolveDataDir(info: PlatformInfo = { env: process.env, platform: process.platform, home: homedir() }): string {
  const { env, platform, home } = info;
  if (env.WELD_HOME) return env.WELD_HOME;
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Weld');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Weld');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'weld');
}

export interface WeldPaths {
  home: string;
  db: string;
  cache: string;
  socket: string;
  logFile: string;
}

export function weldPaths(home: string): WeldPaths {
  return {
    home,
    db: join(home, 'weld.db'),
    cache: join(home, 'cache'),
    socket: process.platform === 'win32' ? '\\\\.\\pipe\\weld' : join(home, 'weld.sock'),
    logFile: join(home, 'weld.log'),
  };
}
