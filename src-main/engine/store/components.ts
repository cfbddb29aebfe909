import type { Db } from './db.js';

export type SignatureStatus = 'verified' | 'unsigned' | 'allowed-unsigned' | 'local';

export interface RequestedCapability {
  kind: 'storage' | 'network' | 'environment';
  target: string;
  access?: string;
  source: 'policy' | 'wit';
  /** The policy asks for it until then (epoch ms): approving it grants no longer. */
  expiresAt?: number;
}

export interface ToolDescriptor {
  name: string;
  /** Path of the export inside the component: `fn` or `iface#fn`. */
  export: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}

export interface ComponentRecord {
  id: string;
  digest: string;
  sourceRef: string;
  name: string;
  version: string | null;
  signatureStatus: SignatureStatus;
  publisher: string | null;
  requestedCapabilities: RequestedCapability[];
  tools: ToolDescriptor[];
  wit: string;
  policy: string | null;
  enabled: boolean;
  installedAt: number;
}

interface Raw {
  id: string;
  digest: string;
  source_ref: string;
  name: string;
  version: string | null;
  signature_status: SignatureStatus;
  publisher: string | null;
  requested_capabilities: string;
  tools: string;
  wit: string;
  policy: string | null;
  enabled: number;
  installed_at: number;
}

function fromRaw(r: Raw): ComponentRecord {
  return {
    id: r.id,
    digest: r.digest,
    sourceRef: r.source_ref,
    name: r.name,
    version: r.version,
    signatureStatus: r.signature_status,
    publisher: r.publisher,
    requestedCapabilities: JSON.parse(r.requested_capabilities),
    tools: JSON.parse(r.tools),
    wit: r.wit,
    policy: r.policy,
    enabled: r.enabled === 1,
    installedAt: r.installed_at,
  };
}

export function createComponentStore(db: Db) {
  const all = db.prepare<[], Raw>('SELECT * FROM components ORDER BY id');
  const byId = db.prepare<[string], Raw>('SELECT * FROM components WHERE id = ?');
  const byDigest = db.prepare<[string], Raw>('SELECT * FROM components WHERE digest = ?');
  const upsert = db.prepare(`
    INSERT INTO components (id, digest, source_ref, name, version, signature_status, publisher,
      requested_capabilities, tools, wit, policy, enabled, installed_at)
    VALUES (@id, @digest, @sourceRef, @name, @version, @signatureStatus, @publisher,
      @requestedCapabilities, @tools, @wit, @policy, @enabled, @installedAt)
    ON CONFLICT (id) DO UPDATE SET digest = excluded.digest, source_ref = excluded.source_ref,
      name = excluded.name, version = excluded.version, signature_status = excluded.signature_status,
      publisher = excluded.publisher, requested_capabilities = excluded.requested_capabilities,
      tools = excluded.tools, wit = excluded.wit, policy = excluded.policy, installed_at = excluded.installed_at`);
  const del = db.prepare<[string]>('DELETE FROM components WHERE id = ?');
  const setEnabled = db.prepare<[number, string]>('UPDATE components SET enabled = ? WHERE id = ?');
  const setTools = db.prepare<[string, string, string]>('UPDATE components SET tools = ? WHERE id = ? AND digest = ?');

  return {
    list: (): ComponentRecord[] => all.all().map(fromRaw),
    get: (id: string): ComponentRecord | undefined => {
      const r = byId.get(id);
      return r && fromRaw(r);
    },
    getByDigest: (digest: string): ComponentRecord | undefined => {
      const r = byDigest.get(digest);
      return r && fromRaw(r);
    },
    put(c: ComponentRecord): void {
      upsert.run({
        ...c,
        requestedCapabilities: JSON.stringify(c.requestedCapabilities),
        tools: JSON.stringify(c.tools),
        enabled: c.enabled ? 1 : 0,
      });
    },
    remove: (id: string): boolean => del.run(id).changes > 0,
    setEnabled: (id: string, enabled: boolean): boolean => setEnabled.run(enabled ? 1 : 0, id).changes > 0,
    /** The tools of this code under this id; a no-op when other code was installed there meanwhile. */
    setTools: (id: string, digest: string, tools: ToolDescriptor[]): boolean =>
      setTools.run(JSON.stringify(tools), id, digest).changes > 0,
  };
}

export type ComponentStore = ReturnType<typeof createComponentStore>;
