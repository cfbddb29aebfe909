import type { CallStatus, CapabilityKind, Decision } from '../events.js';
import type { Db } from './db.js';

export interface CallRow {
  id: string;
  componentId: string | null;
  tool: string;
  client: string | null;
  argsSize: number;
  argsHash: string;
  status: CallStatus;
  startedAt: number;
  durationUs: number;
  error: string | null;
  output: string | null;
  /** The arguments as shown to people: bounded, secret-looking fields masked (null before v6 rows). */
  args?: string | null;
}

export interface CapabilityEventRow {
  callId: string | null;
  componentId: string;
  kind: CapabilityKind;
  target: string;
  access: string;
  decision: Decision;
  at: number;
}

export interface CallQuery {
  afterStartedAt?: number;
  limit?: number;
  tool?: string;
  status?: CallStatus;
  /** Substring of the tool, client, error or id (case-insensitive). */
  text?: string;
}

interface RawCall {
  id: string;
  component_id: string | null;
  tool: string;
  client: string | null;
  args_size: number;
  args_hash: string;
  status: CallStatus;
  started_at: number;
  duration_us: number;
  error: string | null;
  output: string | null;
  args: string | null;
}

const fromRaw = (r: RawCall): CallRow => ({
  id: r.id,
  componentId: r.component_id,
  tool: r.tool,
  client: r.client,
  argsSize: r.args_size,
  argsHash: r.args_hash,
  status: r.status,
  startedAt: r.started_at,
  durationUs: r.duration_us,
  error: r.error,
  output: r.output,
  args: r.args,
});

export function createCallStore(db: Db) {
  const insertCall = db.prepare(`INSERT OR REPLACE INTO calls
    (id, component_id, tool, client, args_size, args_hash, status, started_at, duration_us, error, output, args)
    VALUES (@id, @componentId, @tool, @client, @argsSize, @argsHash, @status, @startedAt, @durationUs, @error, @output, @args)`);
  const insertEvent = db.prepare(`INSERT INTO capability_events
    (call_id, component_id, kind, target, access, decision, at)
    VALUES (@callId, @componentId, @kind, @target, @access, @decision, @at)`);
  const query = db.prepare<Record<string, unknown>, RawCall>(`SELECT * FROM calls
    WHERE started_at > @after AND (@tool IS NULL OR tool = @tool) AND (@status IS NULL OR status = @status)
      AND (@text IS NULL OR instr(lower(tool || ' ' || coalesce(client, '') || ' ' || coalesce(error, '') || ' ' || id), @text) > 0)
    ORDER BY started_at DESC, id LIMIT @limit`);
  const byId = db.prepare<[string], RawCall>('SELECT * FROM calls WHERE id = ?');
  const afterRowid = db.prepare<[number, number], RawCall & { rowid: number }>(
    'SELECT rowid, * FROM calls WHERE rowid > ? ORDER BY rowid LIMIT ?',
  );
  const maxRowid = db.prepare<[], { n: number | null }>('SELECT max(rowid) AS n FROM calls');
  const eventsOf = db.prepare<[string], Omit<CapabilityEventRow, 'callId' | 'componentId'> & { component_id: string }>(
    'SELECT component_id, kind, target, access, decision, at FROM capability_events WHERE call_id = ? ORDER BY id',
  );

  return {
    insertCallInTx: (row: CallRow) => insertCall.run({ ...row, args: row.args ?? null }),
    insertEventInTx: (row: CapabilityEventRow) => insertEvent.run(row),
    list(q: CallQuery = {}): CallRow[] {
      return query
        .all({
          after: q.afterStartedAt ?? -1,
          tool: q.tool ?? null,
          status: q.status ?? null,
          text: q.text ? q.text.toLowerCase() : null,
          limit: q.limit ?? 200,
        })
        .map(fromRaw);
    },
    /**
     * Calls in the order they were written, after a cursor: how a process follows calls recorded by
     * other processes. Write order, unlike start time, never skips a long call that finished late.
     */
    written(after: number, limit = 1000): { cursor: number; rows: CallRow[] } {
      const raw = afterRowid.all(after, limit);
      return { cursor: raw.at(-1)?.rowid ?? after, rows: raw.map(fromRaw) };
    },
    writtenCursor: (): number => maxRowid.get()?.n ?? 0,
    get(id: string): CallRow | undefined {
      const r = byId.get(id);
      return r && fromRaw(r);
    },
    capabilityEvents(callId: string): CapabilityEventRow[] {
      return eventsOf.all(callId).map(({ component_id, ...e }) => ({ ...e, callId, componentId: component_id }));
    },
  };
}

export type CallStore = ReturnType<typeof createCallStore>;
