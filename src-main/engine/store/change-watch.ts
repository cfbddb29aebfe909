import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Calls `onChange` soon after any process commits to the database at `dbPath`, so a person's answer
 * given from the CLI or another window reaches a held call in milliseconds instead of at the next poll.
 * In WAL mode every commit writes the `-wal` file; the directory is watched (not the file), because
 * SQLite deletes and recreates the WAL. This is a hint, not a guarantee: watchers can miss events
 * (network file systems, a full inotify table), so callers keep a slower poll as the fallback, and
 * `onChange` must be cheap when nothing changed (a `data_version` check). Bursts of writes are coalesced
 * into one call per turn of the event loop.
 */
const SETTLE_MS = 15;

export function watchDbChanges(dbPath: string, onChange: () => void): () => void {
  const names = new Set([basename(dbPath), `${basename(dbPath)}-wal`]);
  let queued: NodeJS.Immediate | undefined;
  let trailing: NodeJS.Timeout | undefined;
  const fire = () => {
    queued = undefined;
    onChange();
  };
  const settle = () => {
    trailing = undefined;
    onChange();
  };
  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(dbPath), { persistent: false }, (_event, name) => {
      if (name !== null && !names.has(String(name))) return;
      queued ??= setImmediate(fire);
      // A commit becomes visible when the writer publishes it in the shared-memory index, which is
      // written through mmap and raises no event: look once more just after the last write settles.
      if (trailing) trailing.refresh();
      else trailing = setTimeout(settle, SETTLE_MS).unref();
    });
  } catch {
    return () => {}; // No watching here: the poll alone keeps things in sync.
  }
  watcher.on('error', () => watcher.close());
  // After this returns, nothing queued may run: the caller closes the database next.
  return () => {
    if (queued) clearImmediate(queued);
    clearTimeout(trailing);
    watcher.close();
  };
}
