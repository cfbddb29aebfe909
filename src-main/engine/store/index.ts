import { createAuditStore } from './audit.js';
import { createCallStore } from './calls.js';
import { createComponentStore } from './components.js';
import { type Db, openDatabase } from './db.js';
import { Recorder } from './recorder.js';
import { createSettingsStore } from './settings.js';

export interface Store {
  db: Db;
  components: ReturnType<typeof createComponentStore>;
  calls: ReturnType<typeof createCallStore>;
  audit: ReturnType<typeof createAuditStore>;
  settings: ReturnType<typeof createSettingsStore>;
  recorder: Recorder;
  close(): void;
}

export function openStore(path: string, opts: { onError?: (err: unknown) => void } = {}): Store {
  const db = openDatabase(path);
  const calls = createCallStore(db);
  const audit = createAuditStore(db);
  const recorder = new Recorder(db, calls, audit, { onError: opts.onError });
  return {
    db,
    components: createComponentStore(db),
    calls,
    audit,
    settings: createSettingsStore(db),
    recorder,
    close() {
      recorder.close();
      db.close();
    },
  };
}

export { StoreError } from './db.js';
