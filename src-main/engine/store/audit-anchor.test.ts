import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempHome } from '../../../test/helpers.js';
import { auditHash, GENESIS_HASH } from './audit.js';
import { openStore, type Store } from './index.js';

let home: string;
let cleanup: () => void;
let store: Store | undefined;

beforeEach(() => ({ home, cleanup } = tempHome('weld-anchor-')));
afterEach(() => {
  store?.close();
  store = undefined;
  cleanup();
});

const dbPath = () => join(home, 'weld.db');

/** Ten decisions recorded the way the engine records them, then the store closed (the head written). */
function history(): void {
  const s = openStore(dbPath());
  for (let i = 0; i < 10; i++) s.audit.append([{ at: i, actor: 'ann', action: 'policy.grant', subject: 'notes', detail: { i } }]);
  s.close();
}

/** What someone with the database file (and not Weld's key) can do to it. */
function tamper(sql: (db: Database.Database) => void): void {
  const db = new Database(dbPath());
  sql(db);
  db.close();
}

describe('anchored audit chain', () => {
  it('verifies an untouched log and says where it is anchored', () => {
    history();
    store = openStore(dbPath());
    expect(store.audit.verify()).toEqual({ ok: true, rows: 10, anchoredAt: 10 });
  });

  it('detects the last entries deleted, which the chain alone cannot', () => {
    history();
    tamper((db) => db.prepare('DELETE FROM audit_log WHERE seq > 7').run());
    store = openStore(dbPath());
    expect(store.audit.verify()).toMatchObject({ ok: false, reason: 'entries 8 to 10 were removed (Weld anchored 10 entries)' });
  });

  it('detects a whole chain rewritten with valid hashes', () => {
    history();
    tamper((db) => {
      db.prepare('DELETE FROM audit_log').run();
      let prev = GENESIS_HASH;
      for (let seq = 1; seq <= 10; seq++) {
        const e = { at: seq, actor: 'mallory', action: 'policy.grant', subject: 'notes', detail: {} };
        const hash = auditHash(prev, seq, e);
        db.prepare('INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
          seq,
          e.at,
          e.actor,
          e.action,
          e.subject,
          '{}',
          prev,
          hash,
        );
        prev = hash;
      }
    });
    store = openStore(dbPath());
    expect(store.audit.verify()).toMatchObject({ ok: false, seq: 10, reason: expect.stringMatching(/rewritten/) });
  });

  it('detects a removed or forged head', () => {
    history();
    rmSync(join(home, 'audit-head.json'));
    store = openStore(dbPath());
    expect(store.audit.verify()).toMatchObject({ ok: false, reason: expect.stringMatching(/audit head .* is missing/) });
    store.close();
    writeFileSync(join(home, 'audit-head.json'), JSON.stringify({ seq: 3, hash: 'a'.repeat(64), mac: 'b'.repeat(64) }));
    store = openStore(dbPath());
    expect(store.audit.verify()).toMatchObject({ ok: false, reason: expect.stringMatching(/not written by Weld/) });
  });

  it('anchors a database from before anchoring at what it holds', () => {
    history();
    rmSync(join(home, 'audit-head.json'));
    rmSync(join(home, 'audit.key'));
    store = openStore(dbPath());
    expect(store.audit.verify()).toEqual({ ok: true, rows: 10, anchoredAt: 10 });
  });
});
