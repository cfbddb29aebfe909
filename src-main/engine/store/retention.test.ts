import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempHome } from '../../../test/helpers.js';
import type { CallRow } from './calls.js';
import { openStore, type Store } from './index.js';
import { MIGRATIONS } from './migrations.js';
import { callHistoryDays, DEFAULT_CALL_HISTORY_DAYS, pruneCallHistory, setCallHistoryDays } from './retention.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 10, 29);

const call = (id: string, startedAt: number): CallRow => ({
  id,
  componentId: 'files',
  tool: 'read-file',
  client: 'test/1',
  argsSize: 2,
  argsHash: 'h',
  status: 'ok',
  startedAt,
  durationUs: 5,
  error: null,
  output: null,
});

let store: Store | undefined;
let cleanup: () => void = () => {};
afterEach(() => {
  store?.close();
  store = undefined;
  cleanup();
});

function open(): Store {
  const t = tempHome();
  cleanup = t.cleanup;
  store = openStore(join(t.home, 'weld.db'));
  return store;
}

/** `n` calls a day apart, oldest first, each with one capability event at its start. */
function record(s: Store, n: number, newest = NOW): void {
  for (let i = 0; i < n; i++) {
    const at = newest - (n - 1 - i) * DAY;
    s.recorder.call(call(`c${i}`, at));
    s.recorder.capability({
      callId: `c${i}`,
      componentId: 'files',
      kind: 'storage',
      target: '/tmp',
      access: 'read',
      decision: 'allowed',
      at,
    });
  }
  s.recorder.flush();
}

describe('call history retention', () => {
  it('keeps 90 days unless told otherwise, and remembers a choice across processes', () => {
    const s = open();
    expect(callHistoryDays(s)).toBe(DEFAULT_CALL_HISTORY_DAYS);
    setCallHistoryDays(s, 7, 'user:cli');
    const path = s.db.name;
    s.close();
    store = openStore(path);
    expect(callHistoryDays(store)).toBe(7);
    setCallHistoryDays(store, null, 'user:cli');
    expect(callHistoryDays(store)).toBeNull();
  });

  it('refuses 0, fractions and more than ten years, and falls back to the default for a hand-edited value', () => {
    const s = open();
    for (const bad of [0, -1, 1.5, 3651, Number.NaN]) expect(() => setCallHistoryDays(s, bad, 'user')).toThrow(/1 to 3650 days/);
    s.db.prepare("INSERT INTO settings (key, value) VALUES ('call_history_days', '\"lots\"')").run();
    expect(callHistoryDays(s)).toBe(DEFAULT_CALL_HISTORY_DAYS);
  });

  it('removes calls and capability events older than the setting, keeps the rest, and records the prune', async () => {
    const s = open();
    record(s, 10);
    setCallHistoryDays(s, 3, 'user:desktop', NOW);
    const removed = await pruneCallHistory(s, { now: NOW });
    // Calls started 0..3 days before NOW stay (4 of them); the 6 older go, with their events.
    expect(removed).toMatchObject({ calls: 6, events: 6 });
    expect(s.calls.list().map((c) => c.id)).toEqual(['c9', 'c8', 'c7', 'c6']);
    expect(s.calls.capabilityEvents('c0')).toEqual([]);
    expect(s.calls.capabilityEvents('c9')).toHaveLength(1);
    // Each capability use has its own audit entry; those stay, so the chain still verifies.
    const audit = s.audit.list().filter((r) => !r.action.startsWith('capability.'));
    expect(audit.map((r) => [r.actor, r.action, r.detail])).toEqual([
      ['user:desktop', 'settings.changed', { from: 90, to: 3 }],
      ['weld', 'calls.pruned', { days: 3, calls: 6, events: 6, before: new Date(NOW - 3 * DAY).toISOString() }],
    ]);
    expect(s.audit.verify()).toMatchObject({ ok: true });
    // Nothing more to remove: no second audit row.
    const rows = s.audit.list().length;
    expect(await pruneCallHistory(s, { now: NOW })).toMatchObject({ calls: 0, events: 0 });
    expect(s.audit.list()).toHaveLength(rows);
  });

  it('removes nothing when history is kept forever', async () => {
    const s = open();
    record(s, 5);
    setCallHistoryDays(s, null, 'user');
    expect(await pruneCallHistory(s, { now: NOW + 1000 * DAY })).toEqual({ calls: 0, events: 0, before: null });
    expect(s.calls.list()).toHaveLength(5);
  });

  it('works through a large log in batches and keeps the newest call so rowid followers never go back', async () => {
    const s = open();
    const insert = s.db.prepare(
      "INSERT INTO calls (id, tool, args_size, args_hash, status, started_at, duration_us) VALUES (?, 'add', 0, 'h', 'ok', ?, 1)",
    );
    s.db.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`old-${i}`, NOW - 400 * DAY + i);
    })();
    const cursor = s.calls.writtenCursor();
    const removed = await pruneCallHistory(s, { now: NOW });
    expect(removed.calls).toBe(4999);
    expect(s.calls.list().map((c) => c.id)).toEqual(['old-4999']);
    s.recorder.call(call('next', NOW));
    s.recorder.flush();
    expect(s.calls.written(cursor).rows.map((c) => c.id)).toEqual(['next']);
  });

  it('stops between batches when the engine stops', async () => {
    const s = open();
    const insert = s.db.prepare(
      "INSERT INTO calls (id, tool, args_size, args_hash, status, started_at, duration_us) VALUES (?, 'add', 0, 'h', 'ok', ?, 1)",
    );
    s.db.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`old-${i}`, i);
    })();
    const stop = new AbortController();
    const running = pruneCallHistory(s, { now: NOW, signal: stop.signal });
    stop.abort();
    expect((await running).calls).toBe(2000);
    // What was removed before the stop is in the audit log all the same.
    expect(s.audit.list().map((r) => [r.action, r.detail.calls])).toEqual([['calls.pruned', 2000]]);
  });

  it('adds the settings table to a database from the previous schema', () => {
    const t = tempHome();
    cleanup = t.cleanup;
    const path = join(t.home, 'weld.db');
    const previous = new Database(path);
    const settings = MIGRATIONS.find((m) => m.name === 'settings')!.version;
    for (const m of MIGRATIONS.filter((m) => m.version < settings)) previous.exec(m.sql);
    previous.pragma(`user_version = ${settings - 1}`);
    previous.close();
    store = openStore(path);
    expect(callHistoryDays(store)).toBe(DEFAULT_CALL_HISTORY_DAYS);
    setCallHistoryDays(store, 30, 'user');
    expect(callHistoryDays(store)).toBe(30);
  });
});
