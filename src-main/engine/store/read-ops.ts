import { type AuditSearch, createAuditStore } from './audit.js';
import { type CallQuery, createCallStore } from './calls.js';
import type { Db } from './db.js';

/**
 * The reads the UI asks for that can scan the whole call or audit log (a search that matches nothing,
 * a chain check, an export). They run on StoreReader's thread, so a search over a large log never holds
 * up tool calls on the engine's thread.
 */
export function readOps(db: Db) {
  const calls = createCallStore(db);
  const audit = createAuditStore(db);
  return {
    calls: (q: CallQuery) => calls.list(q),
    auditSearch: (q: AuditSearch) => audit.search(q),
    auditVerify: () => audit.verify(),
    auditAll: () => audit.list(0, Number.MAX_SAFE_INTEGER),
  };
}

export type ReadOps = ReturnType<typeof readOps>;
export type ReadOp = keyof ReadOps;

export interface ReadRequest {
  id: number;
  op: ReadOp;
  arg: unknown;
}

export type ReadReply = { id: number; value: unknown } | { id: number; error: string };
