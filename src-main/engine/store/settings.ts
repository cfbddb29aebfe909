import type { Db } from './db.js';

/** Settings shared by every Weld process on this data dir (tray, `weld serve`, CLI), as JSON values. */
export function createSettingsStore(db: Db) {
  const get = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const put = db.prepare<[string, string]>(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  return {
    /** The stored value, or undefined when it was never set. */
    get(key: string): unknown {
      const row = get.get(key);
      return row === undefined ? undefined : JSON.parse(row.value);
    },
    setInTx(key: string, value: unknown): void {
      put.run(key, JSON.stringify(value));
    },
  };
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;
