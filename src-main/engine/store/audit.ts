import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { AuditAnchor } from './audit-anchor.js';
import type { Db } from './db.js';

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The hash covers the sequence number too, so deleting or reordering rows breaks the chain. */
export function auditHash(prevHash: string, seq: number, e: AuditEntry): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(JSON.stringify([seq, e.at, e.actor, e.action, e.subject, e.detail]))
    .digest('hex');
}

export interface AuditSearch {
  /** Substring of the actor, action, subject or detail JSON (case-insensitive). */
  text?: string;
  action?: string;
  /** Exactly this subject (a component id, a setting, a publisher name). */
  subject?: string;
  /** Only rows older than this sequence number: pages backwards from the newest. */
  beforeSeq?: number;
  limit?: number;
}

export type AuditVerdict =
  | { ok: true; rows: number; anchoredAt: number | null }
  | { ok: false; rows: number; seq: number; reason: string };

export function createAuditStore(db: Db) {
  // An in-memory database has nowhere to keep a head; a file's head lives beside it in the data dir.
  const anchor = db.memory ? null : new AuditAnchor(dirname(db.name));
  let anchorPending = false;
  const last = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare(
    'INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const all = db.prepare<[], RawAuditRow>('SELECT * FROM audit_log ORDER BY seq');
  const search = db.prepare<Record<string, unknown>, RawAuditRow>(`SELECT * FROM audit_log
    WHERE seq < @before AND (@action IS NULL OR action = @action) AND (@subject IS NULL OR subject = @subject)
      AND (@text IS NULL OR instr(lower(actor || ' ' || action || ' ' || subject || ' ' || detail), @text) > 0)
    ORDER BY seq DESC LIMIT @limit`);
  const page = db.prepare<[number, number], RawAuditRow>('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');

  /** Writes the committed tail as the head; run after the transaction, which is synchronous, is over. */
  function updateAnchor(): void {
    anchorPending = false;
    const tail = last.get();
    if (anchor && tail) anchor.write({ seq: tail.seq, hash: tail.hash });
  }

  // A database from before anchoring (rows, no head, no key) is anchored at what it holds now.
  if (anchor && !db.readonly && anchor.read().kind === 'none') updateAnchor();

  /** Must run inside a write transaction so two processes cannot fork the chain. */
  function appendInTx(entries: readonly AuditEntry[]): void {
    if (anchor && !anchorPending) {
      anchorPending = true;
      setImmediate(() => {
        try {
          if (db.open) updateAnchor();
        } catch {
          // The next append (or close) writes it; a lagging head only narrows what it can prove.
        }
      });
    }
    const tail = last.get();
    let seq = tail?.seq ?? 0;
    let prev = tail?.hash ?? GENESIS_HASH;
    for (const e of entries) {
      seq += 1;
      const hash = auditHash(prev, seq, e);
      insert.run(seq, e.at, e.actor, e.action, e.subject, JSON.stringify(e.detail), prev, hash);
      prev = hash;
    }
  }

  return {
    append(entries: readonly AuditEntry[]): void {
      db.transaction(() => appendInTx(entries)).immediate();
    },
    appendInTx,
    list(afterSeq = 0, limit = 1000): AuditRow[] {
      return page.all(afterSeq, limit).map(fromRaw);
    },
    /** Newest first, for people browsing the history. */
    search(q: AuditSearch = {}): AuditRow[] {
      return search
        .all({
          before: q.beforeSeq ?? Number.MAX_SAFE_INTEGER,
          action: q.action ?? null,
          subject: q.subject ?? null,
          text: q.text ? q.text.toLowerCase() : null,
          limit: q.limit ?? 200,
        })
        .map(fromRaw);
    },
    /** Writes a pending head now (before the database closes). */
    flushAnchor(): void {
      if (anchorPending) updateAnchor();
    },
    verify(): AuditVerdict {
      const state = anchor?.read() ?? { kind: 'none' as const };
      if (state.kind === 'bad') return { ok: false, rows: 0, seq: 0, reason: state.reason };
      const head = state.kind === 'head' ? state.head : null;
      let prev = GENESIS_HASH;
      let expectedSeq = 1;
      let rows = 0;
      for (const raw of all.iterate()) {
        rows += 1;
        const row = fromRaw(raw);
        if (row.seq !== expectedSeq) return { ok: false, rows, seq: row.seq, reason: `row ${expectedSeq} is missing` };
        if (row.prevHash !== prev) return { ok: false, rows, seq: row.seq, reason: 'previous-hash link is broken' };
        if (auditHash(prev, row.seq, row) !== row.hash) {
          return { ok: false, rows, seq: row.seq, reason: 'row content does not match its hash (edited)' };
        }
        if (head && row.seq === head.seq && row.hash !== head.hash)
          return { ok: false, rows, seq: row.seq, reason: 'the chain was rewritten: this entry is not the one Weld anchored' };
        prev = row.hash;
        expectedSeq += 1;
      }
      if (head && rows < head.seq)
        return {
          ok: false,
          rows,
          seq: rows + 1,
          reason: `entries ${rows + 1} to ${head.seq} were removed (Weld anchored ${head.seq} entries)`,
        };
      return { ok: true, rows, anchoredAt: head?.seq ?? null };
    },
  };
}

export type AuditStore = ReturnType<typeof createAuditStore>;

interface RawAuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

function fromRaw(r: RawAuditRow): AuditRow {
  let detail: Record<string, unknown>;
  try {
    detail = JSON.parse(r.detail);
  } catch {
    detail = { unparseable: r.detail };
  }
  return {
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
