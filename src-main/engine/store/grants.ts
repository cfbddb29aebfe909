import type { CapabilityKind } from '../events.js';
import type { Db } from './db.js';

/** A person's stored decision. Only `always` grants are stored: once and session grants die with the process. */
export interface GrantRow {
  id: number;
  componentId: string;
  kind: CapabilityKind;
  target: string;
  access: string;
  decidedBy: string;
  decidedAt: number;
  scope: 'always';
  expiresAt: number | null;
  /** The code the grant was given to: it applies only while that code (and signer) is installed. */
  digest: string | null;
  signer: string | null;
}

interface Raw {
  id: number;
  component_id: string;
  kind: CapabilityKind;
  target: string;
  access: string;
  decided_by: string;
  decided_at: number;
  scope: 'always';
  expires_at: number | null;
  digest: string | null;
  signer: string | null;
}

const fromRaw = (r: Raw): GrantRow => ({
  id: r.id,
  componentId: r.component_id,
  kind: r.kind,
  target: r.target,
  access: r.access,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  scope: r.scope,
  expiresAt: r.expires_at,
  digest: r.digest,
  signer: r.signer,
});

export function createGrantStore(db: Db) {
  const all = db.prepare<[], Raw>(`SELECT * FROM grants WHERE scope = 'always' ORDER BY component_id, kind, target`);
  const ofComponent = db.prepare<[string], Raw>(
    `SELECT * FROM grants WHERE component_id = ? AND scope = 'always' ORDER BY kind, target`,
  );
  const one = db.prepare<[string, string, string], Raw>(
    'SELECT * FROM grants WHERE component_id = ? AND kind = ? AND target = ?',
  );
  const upsert = db.prepare(`INSERT INTO grants (component_id, kind, target, access, decided_by, decided_at, scope, expires_at,
      digest, signer)
    VALUES (@componentId, @kind, @target, @access, @decidedBy, @decidedAt, 'always', @expiresAt, @digest, @signer)
    ON CONFLICT (component_id, kind, target) DO UPDATE SET access = excluded.access, decided_by = excluded.decided_by,
      decided_at = excluded.decided_at, scope = 'always', expires_at = excluded.expires_at, digest = excluded.digest,
      signer = excluded.signer`);
  const rebind = db.prepare<[{ digest: string; signer: string | null; componentId: string }]>(
    'UPDATE grants SET digest = @digest, signer = @signer WHERE component_id = @componentId AND NOT (digest IS @digest AND signer IS @signer)',
  );
  const setAccess = db.prepare<[string, number]>('UPDATE grants SET access = ? WHERE id = ?');
  const del = db.prepare<[number]>('DELETE FROM grants WHERE id = ?');
  const delComponent = db.prepare<[string]>('DELETE FROM grants WHERE component_id = ?');

  return {
    list: (): GrantRow[] => all.all().map(fromRaw),
    of: (componentId: string): GrantRow[] => ofComponent.all(componentId).map(fromRaw),
    get(componentId: string, kind: CapabilityKind, target: string): GrantRow | undefined {
      const r = one.get(componentId, kind, target);
      return r && fromRaw(r);
    },
    /** Returns the stored row; a second grant of the same target replaces the first (its access and expiry). */
    put(g: Omit<GrantRow, 'id' | 'scope'>): GrantRow {
      upsert.run(g);
      return fromRaw(one.get(g.componentId, g.kind, g.target) as Raw);
    },
    setAccess: (id: number, access: string) => setAccess.run(access, id).changes > 0,
    remove: (id: number) => del.run(id).changes > 0,
    removeComponent: (componentId: string) => delComponent.run(componentId).changes,
    /** Binds every grant of the component to this code: a person re-approved them for it. */
    rebind: (componentId: string, digest: string, signer: string | null) => rebind.run({ digest, signer, componentId }).changes,
  };
}

export type GrantStore = ReturnType<typeof createGrantStore>;
