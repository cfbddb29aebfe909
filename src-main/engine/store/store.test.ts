import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleComponent, tempHome } from '../../../test/helpers.js';
import type { CallRow } from './calls.js';
import { StoreError, schemaVersion } from './db.js';
import { createGrantStore } from './grants.js';
import { openStore } from './index.js';
import { MIGRATIONS } from './migrations.js';

const callRow = (i: number): CallRow => ({
  id: `call-${i}`,
  componentId: null,
  tool: 'list-components',
  client: 'test/1',
  argsSize: 2,
  argsHash: 'h',
  status: 'ok',
  startedAt: 1000 + i,
  durationUs: 5,
  error: null,
  output: null,
});

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function freshDbPath(): string {
  const t = tempHome();
  cleanup = t.cleanup;
  return join(t.home, 'weld.db');
}

/** The message of the 'corrupt' StoreError opening `path` gives. */
function refusal(path: string): string {
  try {
    openStore(path).close();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('corrupt');
    return (err as Error).message;
  }
  throw new Error(`${path} opened`);
}

describe('store', () => {
  it('creates the schema on an empty file and keeps data when reopened', () => {
    const path = freshDbPath();
    const s1 = openStore(path);
    expect(schemaVersion(s1.db)).toBe(MIGRATIONS.at(-1)?.version);
    expect(s1.db.pragma('journal_mode', { simple: true })).toBe('wal');
    s1.audit.append([{ at: 1, actor: 'user', action: 'install', subject: 'time', detail: { digest: 'x' } }]);
    s1.close();

    const s2 = openStore(path);
    expect(s2.audit.list()).toHaveLength(1);
    expect(s2.audit.verify()).toMatchObject({ ok: true, rows: 1 });
    s2.close();
  });

  it('numbers its migrations 1, 2, 3 and so on, so each runs exactly once', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('migrates a database left at an older schema version', () => {
    const path = freshDbPath();
    const old = new Database(path);
    old.pragma('user_version = 0');
    old.close();
    const s = openStore(path);
    expect(schemaVersion(s.db)).toBe(MIGRATIONS.at(-1)?.version);
    expect(s.components.list()).toEqual([]);
    s.close();
  });

  it('refuses a database written by a newer Weld instead of downgrading it', () => {
    const path = freshDbPath();
    const db = new Database(path);
    db.pragma('user_version = 999');
    db.close();
    expect(() => openStore(path)).toThrow(/newer Weld/);
  });

  it('gives a clear error for a corrupt file and leaves the file untouched', () => {
    const path = freshDbPath();
    const garbage = Buffer.from('this is not sqlite, it is the user data we must not overwrite');
    writeFileSync(path, garbage);
    expect(refusal(path)).toMatch(/damaged.*Weld did not touch it/);
  });

  it('refuses a truncated database with a clear error and leaves the file byte for byte as it was', () => {
    const path = freshDbPath();
    const s = openStore(path);
    for (let i = 0; i < 2000; i++) s.recorder.call({ ...callRow(i), output: 'x'.repeat(200) });
    s.close(); // checkpoints the WAL into the file
    const whole = readFileSync(path);
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    writeFileSync(path, cut);
    const message = refusal(path);
    expect(message).toContain(path);
    expect(message).toMatch(/truncated.*Weld did not touch it\. Move it aside/);
    expect(readFileSync(path).equals(cut)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('detects an edited, deleted or reordered audit row', () => {
    const path = freshDbPath();
    const s = openStore(path);
    s.audit.append(
      ['install', 'grant', 'call', 'revoke'].map((action, i) => ({ at: i, actor: 'user', action, subject: 'c', detail: { i } })),
    );
    expect(s.audit.verify()).toMatchObject({ ok: true, rows: 4 });

    s.db.prepare('UPDATE audit_log SET detail = \'{"i":99}\' WHERE seq = 2').run();
    expect(s.audit.verify()).toMatchObject({ ok: false, seq: 2, reason: expect.stringMatching(/edited/) });
    s.close();
  });

  it('detects a deleted audit row even when later rows are intact', () => {
    const s = openStore(freshDbPath());
    s.audit.append([1, 2, 3].map((i) => ({ at: i, actor: 'user', action: 'a', subject: 's', detail: {} })));
    s.db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    expect(s.audit.verify()).toMatchObject({ ok: false, seq: 3 });
    s.close();
  });

  it('writes buffered rows by itself, all of them, with the audit chain intact', async () => {
    const s = openStore(freshDbPath());
    for (let i = 0; i < 300; i++) {
      s.recorder.call(callRow(i));
      s.recorder.capability({
        callId: `call-${i}`,
        componentId: 'c',
        kind: 'storage',
        target: `fs:///f${i}`,
        access: 'read',
        decision: 'allowed',
        at: i,
      });
    }
    for (let i = 0; i < 100 && s.recorder.pending > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.recorder.pending).toBe(0);
    expect(s.db.prepare('SELECT count(*) AS n FROM calls').get()).toEqual({ n: 300 });
    expect(s.db.prepare('SELECT count(*) AS n FROM capability_events').get()).toEqual({ n: 300 });
    expect(s.audit.verify()).toMatchObject({ ok: true, rows: 300 });
    s.close();
  });

  it('batches call rows and writes them without losing any on close', () => {
    const s = openStore(freshDbPath());
    for (let i = 0; i < 1000; i++) {
      s.recorder.call(callRow(i));
    }
    s.recorder.audit({ at: 1, actor: 'system', action: 'x', subject: 'y', detail: {} });
    s.close();
    const db = new Database(s.db.name);
    expect(db.prepare('SELECT count(*) AS n FROM calls').get()).toEqual({ n: 1000 });
    db.close();
  });
});

describe('grant ids', () => {
  it('never hands out the id of a revoked grant again, even after a reopen', () => {
    const path = freshDbPath();
    let s = openStore(path);
    s.components.put(sampleComponent({ id: 'notes' }));
    const grant = (target: string) =>
      createGrantStore(s.db).put({
        componentId: 'notes',
        kind: 'network',
        target,
        access: '',
        decidedBy: 'ann',
        decidedAt: 1,
        expiresAt: null,
        digest: null,
        signer: null,
      });
    const first = grant('a.example:443');
    expect(createGrantStore(s.db).remove(first.id)).toBe(true);
    const second = grant('b.example:443');
    expect(second.id).not.toBe(first.id);
    createGrantStore(s.db).remove(second.id);
    s.close();
    s = openStore(path);
    const third = grant('c.example:443');
    expect([first.id, second.id]).not.toContain(third.id);
    s.close();
  });
});
