import type { CapabilityKind } from '../events.js';
import type { Db } from './db.js';

export type RequestStatus = 'pending' | 'allowed' | 'denied' | 'expired';
export type RequestScope = 'once' | 'session' | 'always';

/**
 * Capability requests live in the database, not only in memory, because the process holding a call
 * (`weld serve --stdio`) and the one where a person answers (tray app, `weld requests allow`) differ.
 */
export interface RequestRow {
  id: string;
  componentId: string;
  callId: string | null;
  kind: CapabilityKind;
  target: string;
  access: string;
  origin: 'runtime' | 'mcp';
  requestedBy: string;
  requestedAt: number;
  expiresAt: number;
  holder: string;
  status: RequestStatus;
  scope: RequestScope | null;
  decidedBy: string | null;
  decidedAt: number | null;
  /** The held call, as the process holding it saw it (set right after the request is raised). */
  tool?: string | null;
  client?: string | null;
  args?: string | null;
}

interface Raw {
  id: string;
  component_id: string;
  call_id: string | null;
  kind: CapabilityKind;
  target: string;
  access: string;
  origin: 'runtime' | 'mcp';
  requested_by: string;
  requested_at: number;
  expires_at: number;
  holder: string;
  status: RequestStatus;
  scope: RequestScope | null;
  decided_by: string | null;
  decided_at: number | null;
  tool: string | null;
  client: string | null;
  args: string | null;
}

const fromRaw = (r: Raw): RequestRow => ({
  id: r.id,
  componentId: r.component_id,
  callId: r.call_id,
  kind: r.kind,
  target: r.target,
  access: r.access,
  origin: r.origin,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  expiresAt: r.expires_at,
  holder: r.holder,
  status: r.status,
  scope: r.scope,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  tool: r.tool,
  client: r.client,
  args: r.args,
});

export function createRequestStore(db: Db) {
  const insert = db.prepare(`INSERT INTO capability_requests
    (id, component_id, call_id, kind, target, access, origin, requested_by, requested_at, expires_at, holder)
    VALUES (@id, @componentId, @callId, @kind, @target, @access, @origin, @requestedBy, @requestedAt, @expiresAt, @holder)`);
  const byId = db.prepare<[string], Raw>('SELECT * FROM capability_requests WHERE id = ?');
  const pending = db.prepare<[number], Raw>(
    `SELECT * FROM capability_requests WHERE status = 'pending' AND expires_at > ? ORDER BY requested_at, id`,
  );
  const same = db.prepare<[string, string, string, string, number], Raw>(`SELECT * FROM capability_requests
    WHERE status = 'pending' AND component_id = ? AND kind = ? AND target = ? AND access = ? AND expires_at > ?
    ORDER BY requested_at LIMIT 1`);
  const decide = db.prepare(`UPDATE capability_requests SET status = @status, scope = @scope, decided_by = @decidedBy,
    decided_at = @decidedAt WHERE id = @id AND status = 'pending'`);
  const ofHolder = db.prepare<
    [string, number],
    Raw
  >(`SELECT * FROM capability_requests WHERE holder = ? AND decided_at IS NOT NULL
    AND decided_at >= ? ORDER BY decided_at`);
  const denyComponent = db.prepare(`UPDATE capability_requests SET status = 'denied', decided_by = @by, decided_at = @at
    WHERE component_id = @componentId AND status = 'pending'`);
  const describe = db.prepare('UPDATE capability_requests SET tool = @tool, client = @client, args = @args WHERE id = @id');
  const prune = db.prepare<[number]>(`DELETE FROM capability_requests WHERE status != 'pending' AND decided_at < ?`);

  return {
    insert: (r: Omit<RequestRow, 'status' | 'scope' | 'decidedBy' | 'decidedAt'>) => insert.run(r),
    get(id: string): RequestRow | undefined {
      const r = byId.get(id);
      return r && fromRaw(r);
    },
    pending: (now: number): RequestRow[] => pending.all(now).map(fromRaw),
    /** An identical open request, so a guest retrying in a loop raises one prompt, not hundreds. */
    findOpen(componentId: string, kind: string, target: string, access: string, now: number): RequestRow | undefined {
      const r = same.get(componentId, kind, target, access, now);
      return r && fromRaw(r);
    },
    /** False when the request was already decided (first answer wins, across processes). */
    decide: (d: {
      id: string;
      status: Exclude<RequestStatus, 'pending'>;
      scope: RequestScope | null;
      decidedBy: string;
      decidedAt: number;
    }) => decide.run(d).changes > 0,
    /** Requests this engine holds that were answered since `since` (possibly by another process). */
    decidedFor: (holder: string, since: number): RequestRow[] => ofHolder.all(holder, since).map(fromRaw),
    denyAllOf: (componentId: string, by: string, at: number) => denyComponent.run({ componentId, by, at }).changes,
    /** Names the call a request holds, so a window in another process can show which call waits. */
    describeCall: (id: string, call: { tool: string; client: string | null; args: string }) => describe.run({ id, ...call }),
    /** Answered requests are history (the audit log keeps it); drop them after a while. */
    prune: (before: number) => prune.run(before).changes,
  };
}

export type RequestStore = ReturnType<typeof createRequestStore>;
