import type { Store } from './index.js';

/**
 * A setting that is a list of strings a person adds to and removes from (the MCP clients that may ask
 * for permissions, the folders components may load from). Every change is one audited transaction, so
 * another Weld process on the data dir sees the list and the audit entry together.
 */
export function listSetting(key: string, audited: (value: string, present: boolean) => Record<string, unknown>) {
  const read = (store: Store): string[] => {
    const v = store.settings.get(key);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  };
  return {
    read,
    /** Adds (`present`) or removes one checked value; returns the list after the change. */
    set(store: Store, value: string, present: boolean, actor: string, now = Date.now()): string[] {
      return store.db
        .transaction(() => {
          const before = read(store);
          const after = present ? [...new Set([...before, value])] : before.filter((v) => v !== value);
          if (after.length !== before.length) {
            store.settings.setInTx(key, after);
            store.audit.appendInTx([
              { at: now, actor, action: 'settings.changed', subject: key, detail: audited(value, present) },
            ]);
          }
          return after;
        })
        .immediate();
    },
  };
}
