import { homedir } from 'node:os';
import { resolveDataDir, weldPaths } from '../engine/config.js';
import { createLogger, type Logger } from '../engine/log.js';
import { openStore, type Store } from '../engine/store/index.js';
import { createWeld, type Weld } from '../engine/weld.js';
import type { CliIo } from './command.js';

export function dataDir(io: CliIo): string {
  return resolveDataDir({ env: io.env, platform: process.platform, home: io.env.HOME ?? homedir() });
}

/** Read-only commands open just the store: no runtime, no workers, fast. */
export async function withStore<T>(io: CliIo, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const store = openStore(weldPaths(dataDir(io)).db);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

export async function withWeld<T>(io: CliIo, fn: (weld: Weld) => T | Promise<T>, logger?: Logger): Promise<T> {
  const weld = await createWeld({
    home: dataDir(io),
    env: io.env,
    logger: logger ?? createLogger({ write: io.stderr, level: 'warn' }),
  });
  try {
    return await fn(weld);
  } finally {
    await weld.stop();
  }
}
