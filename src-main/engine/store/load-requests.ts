import type { Db } from './db.js';

export type LoadRequestStatus = 'pending' | 'allowed' | 'denied' | 'expired' | 'failed';

/** An MCP client asked to load a component: nothing is read or installed until a person allows it. */
export interface LoadRequestRow {
  id: string;
  ref: string;
  componentId: string;
  /** Digest of the component this would replace, when the id is taken. */
  replaces: string | null;
  requestedBy: string;
  requestedAt: number;
  expiresAt: number;
  status: LoadRequestStatus;
  decidedBy: string | null;
  decidedAt: number | null;
  /** What happened once allowed: the installed digest, or why it failed. */
  outcome: string | null;
}

interface Raw {
  id: string;
  ref: string;
  component_id: string;
  replaces: string | null;
  requested_by: string;
  requested_at: number;
  expires_at: number;
  status: LoadRequestStatus;
  decided_by: string | null;
  decided_at: number | null;
  outcome: string | null;
}

const fromRaw = (r: Raw): LoadRequestRow => ({
  id: r.id,
  ref: r.ref,
  componentId: r.component_id,
  replaces: r.replaces,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  expiresAt: r.expires_at,
  status: r.status,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  outcome: r.outcome,
});

export function createLoadRequestStore(db: Db) {
  const insert = db.prepare(`INSERT INTO load_requests (id, ref, component_id, replaces, requested_by, requested_at, expires_at)
    VALUES (@id, @ref, @componentId, @replaces, @requestedBy, @requestedAt, @expiresAt)`);
  const byId = db.prepare<[string], Raw>('SELECT * FROM load_requests WHERE id = ?');
  const pending = db.prepare<[number], Raw>(
    `SELECT * FROM load_requests WHERE status = 'pending' AND expires_at > ? ORDER BY requested_at, id`,
  );
  const open = db.prepare<[string, number], Raw>(
    `SELECT * FROM load_requests WHERE status = 'pending' AND ref = ? AND expires_at > ? LIMIT 1`,
  );
  const decide = db.prepare(`UPDATE load_requests SET status = @status, decided_by = @decidedBy, decided_at = @decidedAt
    WHERE id = @id AND status = 'pending'`);
  const settle = db.prepare<[LoadRequestStatus, string, string]>('UPDATE load_requests SET status = ?, outcome = ? WHERE id = ?');

  return {
    insert: (r: Omit<LoadRequestRow, 'status' | 'decidedBy' | 'decidedAt' | 'outcome'>) => insert.run(r),
    get(id: string): LoadRequestRow | undefined {
      const r = byId.get(id);
      return r && fromRaw(r);
    },
    pending: (now: number): LoadRequestRow[] => pending.all(now).map(fromRaw),
    findOpen(ref: string, now: number): LoadRequestRow | undefined {
      const r = open.get(ref, now);
      return r && fromRaw(r);
    },
    /** True when this answer won: a request is answered once, whoever is first. */
    decide: (r: { id: string; status: 'allowed' | 'denied' | 'expired'; decidedBy: string; decidedAt: number }) =>
      decide.run(r).changes === 1,
    settle: (id: string, status: 'allowed' | 'failed', outcome: string) => settle.run(status, outcome, id),
  };
}

export type LoadRequestStore = ReturnType<typeof createLoadRequestStore>;
