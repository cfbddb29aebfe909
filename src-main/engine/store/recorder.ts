import type { AuditEntry, AuditStore } from './audit.js';
import type { CallRow, CallStore, CapabilityEventRow } from './calls.js';
import type { Db } from './db.js';

/**
 * Buffers the rows produced on the tool-call path and writes them in one transaction a few
 * milliseconds later: a call only pays for an array push, never for a disk write.
 */
export class Recorder {
  #calls: CallRow[] = [];
  #events: CapabilityEventRow[] = [];
  #audit: AuditEntry[] = [];
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly calls: CallStore,
    private readonly auditStore: AuditStore,
    private readonly opts: { flushMs?: number; maxBatch?: number; onError?: (err: unknown) => void } = {},
  ) {}

  call(row: CallRow): void {
    this.#calls.push(row);
    this.#schedule();
  }

  /**
   * A capability use or refusal: a row for the call's detail view, and an entry in the hash-chained audit
   * log, so removing evidence of an access breaks the chain like editing a grant does.
   */
  capability(row: CapabilityEventRow): void {
    this.#events.push(row);
    this.#audit.push({
      at: row.at,
      actor: `component:${row.componentId}`,
      action: `capability.${row.decision}`,
      subject: row.componentId,
      detail: { callId: row.callId, kind: row.kind, target: row.target, access: row.access },
    });
    this.#schedule();
  }

  audit(entry: AuditEntry): void {
    this.#audit.push(entry);
    this.#schedule();
  }

  get pending(): number {
    return this.#calls.length + this.#events.length + this.#audit.length;
  }

  #schedule(): void {
    if (this.#closed) {
      this.flush();
      return;
    }
    if (this.pending >= (this.opts.maxBatch ?? 512)) {
      this.flush();
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.flush(), this.opts.flushMs ?? 25);
    this.#timer.unref();
  }

  flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.pending === 0) return;
    const calls = this.#calls;
    const events = this.#events;
    const audit = this.#audit;
    this.#calls = [];
    this.#events = [];
    this.#audit = [];
    try {
      this.db
        .transaction(() => {
          for (const c of calls) this.calls.insertCallInTx(c);
          for (const e of events) this.calls.insertEventInTx(e);
          if (audit.length) this.auditStore.appendInTx(audit);
        })
        .immediate();
    } catch (err) {
      // Keep the rows for the next attempt rather than lose audit history (e.g. DB briefly locked).
      this.#calls.unshift(...calls);
      this.#events.unshift(...events);
      this.#audit.unshift(...audit);
      this.opts.onError?.(err);
      if (!this.#closed && !this.#timer) {
        this.#timer = setTimeout(() => this.flush(), 250);
        this.#timer.unref();
      }
    }
  }

  close(): void {
    this.#closed = true;
    this.flush();
  }
}
