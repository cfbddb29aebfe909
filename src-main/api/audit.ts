import type { AuditRow } from '../engine/store/audit.js';
import type { Handlers } from './context.js';

function toInfo({ prevHash: _p, ...row }: AuditRow) {
  return row;
}

export const auditHandlers: Handlers<'audit.list' | 'audit.verify' | 'audit.export'> = {
  'audit.list': async ({ text, action, subject, beforeSeq, limit }, ctx) => {
    // Recorded changes sit in the batch for a few ms; flush so a change the user just made shows up.
    ctx.weld.store.recorder.flush();
    const rows = await ctx.weld.reader.read('auditSearch', {
      text: text || undefined,
      action,
      subject,
      beforeSeq,
      limit: limit ?? 200,
    });
    return rows.map(toInfo);
  },

  'audit.verify': (_input, ctx) => {
    ctx.weld.store.recorder.flush();
    return ctx.weld.reader.read('auditVerify', undefined);
  },

  /** The full chain with hashes, one JSON object a line: the same format as `weld audit --export`. */
  'audit.export': async (_input, ctx) => {
    ctx.weld.store.recorder.flush();
    const rows = await ctx.weld.reader.read('auditAll', undefined);
    const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '-');
    return {
      filename: `weld-audit-${stamp}.jsonl`,
      rows: rows.length,
      jsonl: rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''),
    };
  },
};
