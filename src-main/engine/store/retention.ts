import type { Store } from './index.js';

/** How long the call log is kept unless a person chose otherwise; null keeps it forever. */
export const DEFAULT_CALL_HISTORY_DAYS = 90;
export const MAX_CALL_HISTORY_DAYS = 3650;
const KEY = 'call_history_days';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows deleted per transaction: each batch holds the write lock for milliseconds, so calls keep flowing. */
const BATCH = 2000;

export const isCallHistoryDays = (v: unknown): v is number | null =>
  v === null || (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_CALL_HISTORY_DAYS);

/** Days of calls kept (null: forever). A value edited into the database by hand falls back to the default. */
export function callHistoryDays(store: Store): number | null {
  const v = store.settings.get(KEY);
  return v !== undefined && isCallHistoryDays(v) ? v : DEFAULT_CALL_HISTORY_DAYS;
}

export function setCallHistoryDays(store: Store, days: number | null, actor: string, now = Date.now()): void {
  if (!isCallHistoryDays(days)) throw new RangeError(`call history must be kept 1 to ${MAX_CALL_HISTORY_DAYS} days, or forever`);
  const previous = callHistoryDays(store);
  store.db
    .transaction(() => {
      store.settings.setInTx(KEY, days);
      store.audit.appendInTx([
        { at: now, actor, action: 'settings.changed', subject: KEY, detail: { from: previous, to: days } },
      ]);
    })
    .immediate();
}

export interface PruneResult {
  calls: number;
  events: number;
  /** Calls started before this time were removed (null when history is kept forever). */
  before: number | null;
}

/**
 * Removes calls (and their capability events) older than the retention, in small transactions with
 * the event loop running in between, so a first prune of a large log never stalls tool calls. The
 * audit log is never trimmed: it is hash-chained evidence, and it records each prune.
 */
export async function pruneCallHistory(store: Store, opts: { now?: number; signal?: AbortSignal } = {}): Promise<PruneResult> {
  const days = callHistoryDays(store);
  if (days === null) return { calls: 0, events: 0, before: null };
  const before = (opts.now ?? Date.now()) - days * DAY_MS;
  const { db } = store;
  // The newest call stays whatever its age: SQLite hands an emptied table's rowids out again from 1,
  // and processes following the log by rowid would then skip the next calls.
  const deleteCalls = db.prepare<[number, number]>(`DELETE FROM calls WHERE rowid IN (
    SELECT rowid FROM calls WHERE started_at < ? AND rowid < (SELECT max(rowid) FROM calls) LIMIT ?)`);
  const deleteEvents = db.prepare<[number, number]>(
    'DELETE FROM capability_events WHERE id IN (SELECT id FROM capability_events WHERE at < ? ORDER BY id LIMIT ?)',
  );
  const removed = { calls: 0, events: 0, before };
  try {
    for (const [stmt, field] of [
      [deleteEvents, 'events'],
      [deleteCalls, 'calls'],
    ] as const) {
      for (;;) {
        if (opts.signal?.aborted) return removed;
        const n = db.transaction(() => stmt.run(before, BATCH).changes).immediate();
        removed[field] += n;
        if (n < BATCH) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    // Whatever was removed is recorded, also when the engine stopped or the database was busy midway.
    if (removed.calls + removed.events > 0) {
      const detail = { days, calls: removed.calls, events: removed.events, before: new Date(before).toISOString() };
      const entry = { at: Date.now(), actor: 'weld', action: 'calls.pruned', subject: 'calls', detail };
      db.transaction(() => store.audit.appendInTx([entry])).immediate();
    }
  }
  return removed;
}
