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
 * Opens (creating if absent) the Weld database and brings its schema up to date.
 * An existing file that is not a healthy SQLite database is refused, never replaced:
 * it holds the user's grants and audit history.
 */
export function openDatabase(path: string, opts: { readonly?: boolean } = {}): Db {
  const existed = existsSync(path) && statSync(path).size > 0;
  if (existed) assertSqliteHeader(path);
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
    db.pragma('synchronous = NORMAL');
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

function assertSqliteHeader(path: string): void {
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_HEADER) throw new StoreError(corruptMessage(path, 'not a SQLite database'), 'corrupt');
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
