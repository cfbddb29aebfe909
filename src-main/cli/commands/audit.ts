import { writeFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { withStore } from '../engine.js';
import { isoTime } from '../format.js';

export const audit: Command = {
  name: 'audit',
  summary: 'Show the hash-chained audit log; --verify checks it has not been edited',
  usage: 'Usage: weld audit [--json] [--verify] [--export FILE.jsonl] [--limit N]',
  options: {
    json: { type: 'boolean' },
    verify: { type: 'boolean' },
    export: { type: 'string' },
    limit: { type: 'string' },
  },
  async run({ io, values }) {
    return withStore(io, (store) => {
      if (values.verify) {
        const v = store.audit.verify();
        if (values.json) io.stdout(`${JSON.stringify(v)}\n`);
        else if (v.ok)
          io.stdout(
            `Audit log intact: ${v.rows} entries, hash chain verified${v.anchoredAt === null ? '' : `, anchored at entry ${v.anchoredAt}`}.\n`,
          );
        else io.stdout(`Audit log TAMPERED at entry ${v.seq}: ${v.reason}.\n`);
        return v.ok ? 0 : 1;
      }
      if (typeof values.export === 'string') {
        const rows = store.audit.list(0, Number.MAX_SAFE_INTEGER);
        writeFileSync(values.export, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
        io.stderr(`Exported ${rows.length} audit entries to ${values.export}\n`);
        return 0;
      }
      const limit = values.limit === undefined ? 100 : Number(values.limit);
      const rows = store.audit.list(0, Number.MAX_SAFE_INTEGER).slice(-limit);
      for (const r of rows) {
        io.stdout(
          values.json
            ? `${JSON.stringify(r)}\n`
            : `${r.seq}  ${isoTime(r.at)}  ${r.actor}  ${r.action}  ${r.subject}  ${JSON.stringify(r.detail)}\n`,
        );
      }
      if (!values.json && rows.length === 0) io.stdout('The audit log is empty.\n');
      return 0;
    });
  },
};
