import type { AuditRow } from '../engine/store/audit.js';
import type { Handlers } from './context.js';

function toInfo({ prevHash: _p, ...row }: AuditRow) {
  return row;
}

export const auditHandlers: Handlers<'audit.list' | 'audit.verify' | 'audit.export'> = {
  'audit.list': ({ text, action, beforeSeq, limit }, ctx) => {
    // Recorded changes sit in the batch for a few ms; flush so a change the user just made shows up.
    ctx.weld.store.recorder.flush();
    return ctx.weld.store.audit.search({ text: text || undefined, action, beforeSeq, limit: limit ?? 200 }).map(toInfo);
  },

  'audit.verify': (_input, ctx) => {
    ctx.weld.store.recorder.flush();
    return ctx.weld.store.audit.verify();
  },

  /** The full chain with hashes, one JSON object a line: the same format as `weld audit --export`. */
  'audit.export': (_input, ctx) => {
    ctx.weld.store.recorder.flush();
    const rows = ctx.weld.store.audit.list(0, Number.MAX_SAFE_INTEGER);
    const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '-');
    return {
      filename: `weld-audit-${stamp}.jsonl`,
      rows: rows.length,
      jsonl: rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''),
    };
  },
};
