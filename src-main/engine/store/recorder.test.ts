import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempHome } from '../../../test/helpers.js';
import { EventBus } from '../events.js';
import { createDispatcher } from '../mcp/dispatch.js';
import { ToolTable, textResult } from '../mcp/tool-table.js';
import { Metrics, renderPrometheus } from '../telemetry/metrics.js';
import { openStore, type Store } from './index.js';
import { RecorderUnavailable } from './recorder.js';

let cleanup: () => void = () => {};
afterEach(() => cleanup());

/** A real store, dispatcher and metrics, wired as the composition root does; `add` reads one "file". */
function engine(opts: { maxWaitMs?: number } = {}) {
  const t = tempHome();
  const store = openStore(join(t.home, 'weld.db'), { maxWaitMs: opts.maxWaitMs, retryMs: 10 });
  cleanup = () => {
    store.close();
    t.cleanup();
  };
  const events = new EventBus();
  events.holdUntilRecorded(['call.finished', 'capability.decided'], (deliver) => store.recorder.afterCommit(deliver));
  const tools = new ToolTable();
  tools.add([
    {
      name: 'add',
      description: 'adds, after reading a file',
      inputSchema: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
      componentId: 'adder',
      async invoke(args, ctx) {
        store.recorder.capability({
          callId: ctx.callId,
          componentId: 'adder',
          kind: 'storage',
          target: `fs:///data/${args.a}.txt`,
          access: 'read',
          decision: 'allowed',
          at: Date.now(),
        });
        return textResult(String(args.a));
      },
    },
  ]);
  const dispatcher = createDispatcher({ tools, events, recorder: store.recorder });
  const metrics = new Metrics(events, () => store.recorder.stats);
  return { store, events, dispatcher, metrics };
}

/** What another process opening the database would find. */
function committed(store: Store): { calls: number; events: number } {
  const other = new Database(store.db.name, { readonly: true });
  try {
    const n = (sql: string) => (other.prepare(sql).get() as { n: number }).n;
    return { calls: n('SELECT count(*) AS n FROM calls'), events: n('SELECT count(*) AS n FROM capability_events') };
  } finally {
    other.close();
  }
}

/** A commit failure as a full disk would give, injected on this connection only and removed again. */
const breakWriter = (store: Store) =>
  store.db.exec("CREATE TEMP TRIGGER full_disk BEFORE INSERT ON calls BEGIN SELECT RAISE(ABORT, 'disk is full'); END");
const mendWriter = (store: Store) => store.db.exec('DROP TRIGGER temp.full_disk');

const metric = (m: Metrics, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(renderPrometheus(m))?.[1]);

describe('durable replies (group commit)', () => {
  it('returns a result only once its call row and capability rows are committed', async () => {
    const { store, dispatcher } = engine();
    const seen: number[] = [];
    await Promise.all(
      [1, 2, 3].map(async (a) => {
        await dispatcher.call({ tool: 'add', args: { a }, client: 'test' });
        // At the moment the result is handed back, another process already finds this call.
        seen.push(committed(store).calls);
      }),
    );
    expect(Math.min(...seen)).toBe(3);
    expect(committed(store)).toEqual({ calls: 3, events: 3 });
  });

  it('commits the calls that finish in one turn of the event loop together', async () => {
    const { store, dispatcher, metrics } = engine();
    await Promise.all(Array.from({ length: 50 }, (_, a) => dispatcher.call({ tool: 'add', args: { a }, client: 'test' })));
    expect(committed(store).calls).toBe(50);
    expect(store.recorder.stats.commits).toBe(1);
    expect(metric(metrics, 'weld_store_committed_rows_total')).toBe(150); // 50 calls, 50 events, 50 audit entries
  });

  it('announces a finished call to the live log only after its row is committed', async () => {
    const { store, events, dispatcher } = engine();
    const foundWhenAnnounced: number[] = [];
    events.on('call.finished', () => foundWhenAnnounced.push(committed(store).calls));
    await dispatcher.call({ tool: 'add', args: { a: 1 }, client: 'test' });
    expect(foundWhenAnnounced).toEqual([1]);
  });

  it('commits an audited action (install, enable) before its caller answers', () => {
    const { store } = engine();
    store.recorder.audit({ at: 1, actor: 'gui:ann', action: 'component.disable', subject: 'adder', detail: {} });
    const other = new Database(store.db.name, { readonly: true });
    expect(other.prepare('SELECT action FROM audit_log').all()).toEqual([{ action: 'component.disable' }]);
    other.close();
  });

  it('keeps every row while the database refuses writes, holds results, and writes them all once it recovers', async () => {
    const { store, dispatcher, metrics } = engine({ maxWaitMs: 60_000 });
    breakWriter(store);
    let answered = 0;
    const first = dispatcher.call({ tool: 'add', args: { a: 1 }, client: 'test' }).then(() => answered++);
    while (metric(metrics, 'weld_store_commit_failures_total') < 2) await new Promise((r) => setImmediate(r));
    // The result is held back, and a new call waits (visible in /metrics) instead of running unrecorded.
    const second = dispatcher.call({ tool: 'add', args: { a: 2 }, client: 'test' }).then(() => answered++);
    while (metric(metrics, 'weld_store_waiting_calls') < 1) await new Promise((r) => setImmediate(r));
    expect(answered).toBe(0);
    expect(metric(metrics, 'weld_store_pending_rows')).toBe(3);
    expect(committed(store).calls).toBe(0);

    mendWriter(store);
    await Promise.all([first, second]);
    expect(committed(store)).toEqual({ calls: 2, events: 2 });
    expect(store.audit.verify()).toMatchObject({ ok: true, rows: 2 });
    expect(metric(metrics, 'weld_store_call_waits_total')).toBe(1);
    expect(metric(metrics, 'weld_store_waiting_calls')).toBe(0);
    expect(metric(metrics, 'weld_store_pending_rows')).toBe(0);
  });

  it('answers with a clear error after the bounded wait, and still writes the rows later', async () => {
    const { store, dispatcher, metrics } = engine({ maxWaitMs: 200 });
    breakWriter(store);
    const ran = dispatcher.call({ tool: 'add', args: { a: 1 }, client: 'test' });
    await expect(ran).rejects.toThrow(RecorderUnavailable);
    await expect(ran).rejects.toThrow(/cannot write its call log .*weld\.db: disk is full.*result is withheld/);
    const refused = dispatcher.call({ tool: 'add', args: { a: 2 }, client: 'test' });
    await expect(refused).rejects.toThrow(/the call was not run/);
    expect(metric(metrics, 'weld_store_refused_calls_total')).toBe(1);

    mendWriter(store);
    while (store.recorder.pending > 0) await new Promise((r) => setTimeout(r, 10));
    // The call that ran is recorded, with the file it read; the refused one never ran.
    expect(committed(store)).toEqual({ calls: 1, events: 1 });
  });
});
