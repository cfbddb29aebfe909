import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/** A store failure a person can act on; the CLI prints `message` and exits, never loops. */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: 'corrupt' | 'locked' | 'newer' | 'io',
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * How far a commit is flushed before the call it records is answered. Weld runs SQLite in WAL mode:
 * - `normal` (the default): a commit is in the WAL file, written but not fsynced. It survives Weld being
 *   killed or crashing (the crash test kills Weld with SIGKILL mid-stream); the last commits can be lost
 *   if the machine loses power or the OS crashes. Costs one write() per commit (bench/RESULTS.md).
 * - `full`: every commit is also fsynced, so it survives power loss, at the cost of an fsync per commit
 *   on the main thread (a group commit shares it between the calls of one event-loop turn).
 */
export const SYNC_LEVELS = ['normal', 'full'] as const;
export type SyncLevel = (typeof SYNC_LEVELS)[number];

/**
 * Opens (creating if absent) the Weld database and brings its schema up to date.
 * An existing file that is not a healthy SQLite database is refused, never replaced:
 * it holds the user's grants and audit history.
 */
export function openDatabase(path: string, opts: { readonly?: boolean; synchronous?: SyncLevel } = {}): Db {
  const existed = existsSync(path) && statSync(path).size > 0;
  if (existed) assertWholeDatabase(path);
  else if (!opts.readonly) mkdirSync(dirname(path), { recursive: true });

  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, timeout: 2000 });
  } catch (err) {
    throw translate(err, path);
  }
  try {
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // Reading the schema catches a damaged header or schema page. A full quick_check is not run here:
    // it reads every page, and the call log grows with use (1.4 s at start with a 174 MB database).
    if (existed) db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (!opts.readonly) migrate(db, path);
    return db;
  } catch (err) {
    db.close();
    throw translate(err, path);
  }
}

/**
 * Checked before SQLite opens the file, because opening for writing may write to it: the header must be
 * SQLite's, and the file as long as its header says. A cut file (a partial copy or restore, a full disk)
 * otherwise opens, and fails later, in the middle of serving calls, as "database disk image is malformed".
 */
function assertWholeDatabase(path: string): void {
  const head = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1', 0, SQLITE_HEADER.length) !== SQLITE_HEADER) {
    throw new StoreError(corruptMessage(path, 'not a SQLite database'), 'corrupt');
  }
  if (read < head.length)
    throw new StoreError(corruptMessage(path, `truncated: ${read} bytes, shorter than its header`), 'corrupt');
  // A WAL left by a crash may hold pages the file does not have yet; SQLite replays it on open.
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) return;
  const rawPageSize = head.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = head.readUInt32BE(28);
  // The page count in the header is only valid when the version-valid-for number matches the change counter.
  if (head.readUInt32BE(92) !== head.readUInt32BE(24) || pages === 0) return;
  const expected = pageSize * pages;
  const actual = statSync(path).size;
  if (actual < expected) {
    throw new StoreError(corruptMessage(path, `truncated: ${actual} bytes where its header says ${expected}`), 'corrupt');
  }
}

function corruptMessage(path: string, why: string): string {
  return `The Weld database at ${path} is damaged (${why}). Weld did not touch it. Move it aside (or restore a backup) and start Weld again to create a new one.`;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, path: string): void {
  const current = schemaVersion(db);
  const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
  if (current > latest) {
    throw new StoreError(
      `The Weld database at ${path} was written by a newer Weld (schema ${current}, this one knows ${latest}). Update Weld.`,
      'newer',
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

function translate(err: unknown, path: string): Error {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: string }).code ?? '';
  const msg = (err as Error).message ?? String(err);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return new StoreError(corruptMessage(path, msg), 'corrupt');
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new StoreError(`The Weld database at ${path} is locked by another process (${msg}). Close it and retry.`, 'locked');
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new StoreError(`Cannot open the Weld database at ${path}: ${msg}`, 'io');
  }
  return err instanceof Error ? err : new Error(msg);
}
