import { createAuditStore } from './audit.js';
import { createCallStore } from './calls.js';
import { createComponentStore } from './components.js';
import { type Db, openDatabase, type SyncLevel } from './db.js';
import { Recorder, type RecorderOptions } from './recorder.js';
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

export function openStore(path: string, opts: RecorderOptions & { synchronous?: SyncLevel } = {}): Store {
  const db = openDatabase(path, { synchronous: opts.synchronous });
  const calls = createCallStore(db);
  const audit = createAuditStore(db);
  const recorder = new Recorder(db, calls, audit, opts);
  return {
    db,
    components: createComponentStore(db),
    calls,
    audit,
    settings: createSettingsStore(db),
    recorder,
    close() {
      recorder.close();
      audit.flushAnchor();
      db.close();
    },
  };
}

export { StoreError, SYNC_LEVELS, type SyncLevel } from './db.js';
