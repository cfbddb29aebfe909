import type { AuditEntry, AuditStore } from './audit.js';
import type { CallRow, CallStore, CapabilityEventRow } from './calls.js';
import type { Db } from './db.js';

/** What /metrics shows of the writer, so a person can see when calls wait for it. */
export interface WriterStats {
  /** Rows queued and not yet committed. */
  pending: number;
  commits: number;
  rowsCommitted: number;
  commitSeconds: number;
  commitFailures: number;
  /** Calls waiting right now for the writer to catch up before they may run. */
  waitingCalls: number;
  /** Calls that had to wait, and the time they spent waiting. */
  waits: number;
  waitSeconds: number;
  /** Calls refused because the writer did not catch up in time. */
  refused: number;
}

export interface RecorderOptions {
  /** Rows queued within one turn before they are committed at once rather than at the turn's end. */
  maxBatch?: number;
  /** How long a call waits for a failing writer, before it runs or for its own row, before it gets an error. */
  maxWaitMs?: number;
  /** Delay before a failed commit is tried again. */
  retryMs?: number;
  onError?: (err: unknown) => void;
}

/** Raised to a caller that waited the bounded time for the writer. */
export class RecorderUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecorderUnavailable';
  }
}

/** The rows of one turn of the event loop, committed together, and everyone waiting on them. */
interface Batch {
  calls: CallRow[];
  events: CapabilityEventRow[];
  audit: AuditEntry[];
  /** Run after the commit, in order: announcements held back until their rows are safe. */
  after: (() => void)[];
  /** Settles when the rows are committed, or rejects once they have waited `maxWaitMs` on a failing writer. */
  committed: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
  deadline?: NodeJS.Timeout;
}

const ignore = () => {};

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const committed = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Capability and audit rows are queued without awaiting: their rejection must not be "unhandled".
  committed.catch(ignore);
  return { calls: [], events: [], audit: [], after: [], committed, resolve, reject };
}

const size = (b: Batch) => b.calls.length + b.events.length + b.audit.length;

/**
 * Group commit for the rows the tool-call path produces (call rows, capability events, audit entries).
 * Rows queued during one turn of the event loop are committed in one transaction at the end of that
 * turn (setImmediate), and only then do the promises returned for them settle: a reply, a live-log
 * event or a metric that depends on a row is released after the row is in the database, so nothing
 * the client or a person saw acknowledged is lost if Weld is killed. One transaction per turn is
 * shared by every call that finished in that turn.
 *
 * A failed commit (database locked by another process, disk full) keeps every row and retries; rows are
 * never dropped to keep up. While the writer is failing, new calls wait before running (`admit`), and a
 * finished call's result waits for its row; both waits are bounded by `maxWaitMs`.
 */
export class Recorder {
  #batch = newBatch();
  #immediate: NodeJS.Immediate | null = null;
  #retry: NodeJS.Timeout | null = null;
  #failing: unknown = null;
  #closed = false;
  #drained: (() => void)[] = [];
  readonly #stats: WriterStats = {
    pending: 0,
    commits: 0,
    rowsCommitted: 0,
    commitSeconds: 0,
    commitFailures: 0,
    waitingCalls: 0,
    waits: 0,
    waitSeconds: 0,
    refused: 0,
  };

  constructor(
    private readonly db: Db,
    private readonly calls: CallStore,
    private readonly auditStore: AuditStore,
    private readonly opts: RecorderOptions = {},
  ) {}

  /** Queues a call row; the promise settles once it is committed (or rejects after the bounded wait). */
  call(row: CallRow): Promise<void> {
    this.#batch.calls.push(row);
    return this.#queued();
  }

  /**
   * A capability use or refusal: a row for the call's detail view, and an entry in the hash-chained audit
   * log, so removing evidence of an access breaks the chain like editing a grant does.
   */
  capability(row: CapabilityEventRow): Promise<void> {
    this.#batch.events.push(row);
    this.#batch.audit.push({
      at: row.at,
      actor: `component:${row.componentId}`,
      action: `capability.${row.decision}`,
      subject: row.componentId,
      detail: { callId: row.callId, kind: row.kind, target: row.target, access: row.access },
    });
    return this.#queued();
  }

  /**
   * A person's or the engine's own action (install, remove, enable): rare, and its caller answers right
   * after, so it is committed now, with whatever the turn had queued, rather than at the turn's end.
   */
  audit(entry: AuditEntry): Promise<void> {
    const batch = this.#batch;
    batch.audit.push(entry);
    if (this.#failing) return this.#queued();
    this.flush();
    return batch.committed;
  }

  /**
   * Runs `fn` once every row queued so far is committed: now if none is waiting. Holds back what
   * announces a row (a live-log event, a metric) until the row cannot be lost.
   */
  afterCommit(fn: () => void): void {
    if (size(this.#batch) === 0) fn();
    else this.#batch.after.push(fn);
  }

  get pending(): number {
    return size(this.#batch);
  }

  get stats(): Readonly<WriterStats> {
    this.#stats.pending = size(this.#batch);
    return this.#stats;
  }

  /**
   * Back-pressure before a call runs: nothing to wait for while the writer keeps up. While it fails,
   * waits until the queued rows are committed, at most `maxWaitMs`, then refuses the call: a guest does
   * not get to act while its actions cannot be recorded.
   */
  admit(): Promise<void> | undefined {
    if (!this.#failing) return undefined;
    return this.#waitForWriter();
  }

  async #waitForWriter(): Promise<void> {
    const t0 = performance.now();
    this.#stats.waitingCalls += 1;
    this.#stats.waits += 1;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#drained.push(resolve);
        timer = setTimeout(() => {
          this.#drained = this.#drained.filter((r) => r !== resolve);
          this.#stats.refused += 1;
          reject(new RecorderUnavailable(this.#unavailable('the call was not run')));
        }, this.#maxWaitMs);
      });
    } finally {
      clearTimeout(timer);
      this.#stats.waitingCalls -= 1;
      this.#stats.waitSeconds += (performance.now() - t0) / 1000;
    }
  }

  get #maxWaitMs(): number {
    return this.opts.maxWaitMs ?? 10_000;
  }

  #unavailable(what: string): string {
    const why = this.#failing instanceof Error ? this.#failing.message : String(this.#failing ?? 'busy');
    return (
      `Weld cannot write its call log (${this.db.name}: ${why}); ${what}. ` +
      `${size(this.#batch)} rows are waiting to be written and none is dropped. Check the disk and any process holding the database, then retry.`
    );
  }

  #queued(): Promise<void> {
    const batch = this.#batch;
    // A failing writer is retried on its own timer, not on every row queued.
    if (this.#closed || (!this.#failing && size(batch) >= (this.opts.maxBatch ?? 512))) this.flush();
    else if (!this.#immediate && !this.#retry) this.#immediate = setImmediate(() => this.flush());
    return batch.committed;
  }

  /** Commits every queued row now (readers call it to show this process's latest calls). */
  flush(): void {
    if (this.#immediate) clearImmediate(this.#immediate);
    if (this.#retry) clearTimeout(this.#retry);
    this.#immediate = this.#retry = null;
    const batch = this.#batch;
    if (size(batch) === 0) return;
    const t0 = performance.now();
    try {
      this.db
        .transaction(() => {
          for (const c of batch.calls) this.calls.insertCallInTx(c);
          for (const e of batch.events) this.calls.insertEventInTx(e);
          if (batch.audit.length) this.auditStore.appendInTx(batch.audit);
        })
        .immediate();
    } catch (err) {
      this.#failed(batch, err);
      return;
    }
    this.#stats.commits += 1;
    this.#stats.rowsCommitted += size(batch);
    this.#stats.commitSeconds += (performance.now() - t0) / 1000;
    this.#failing = null;
    this.#batch = newBatch();
    batch.resolve();
    for (const fn of batch.after) fn();
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  /**
   * Keeps the rows (and their waiters) for the next attempt rather than lose audit history: they lead a
   * fresh batch that rows queued meanwhile join, and their own waiters give up after `maxWaitMs`.
   */
  #failed(batch: Batch, err: unknown): void {
    this.#failing = err;
    this.#stats.commitFailures += 1;
    this.opts.onError?.(err);
    batch.deadline ??= setTimeout(
      () =>
        batch.reject(
          new RecorderUnavailable(this.#unavailable('the call ran, but its result is withheld while it is not recorded')),
        ),
      this.#maxWaitMs,
    ).unref();
    const next = newBatch();
    next.calls = batch.calls;
    next.events = batch.events;
    next.audit = batch.audit;
    next.after = batch.after;
    next.after.push(() => {
      clearTimeout(batch.deadline);
      batch.resolve();
    });
    this.#batch = next;
    if (!this.#closed) this.#retry = setTimeout(() => this.flush(), this.opts.retryMs ?? 100).unref();
  }

  close(): void {
    this.#closed = true;
    this.flush();
  }
}
