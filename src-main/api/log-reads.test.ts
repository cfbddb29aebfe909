import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../test/api.js';
import type { Weld } from '../engine/weld.js';

let api: TestApi;
let weld: Weld;
beforeEach(async () => {
  api = await startTestApi();
  weld = api.weld;
});
afterEach(() => api.stop());

const call: TestApi['call'] = (name, input) => api.call(name, input);

/** A call log as a long-used Weld has one. */
function fillCallLog(n: number): void {
  const insert = weld.store.db.prepare(
    "INSERT INTO calls (id, tool, client, args_size, args_hash, status, started_at, duration_us) VALUES (?, 'add', 'bench/1', 0, 'h', 'ok', ?, 1)",
  );
  weld.store.db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(`c${i}`, Date.now() - n + i);
  })();
}

describe('UI reads of the call and audit logs', () => {
  it('answer tool calls while a search scans a large call log', async () => {
    fillCallLog(300_000);
    const order: string[] = [];
    const search = call('calls.list', { text: 'matches nothing' }).then((rows) => order.push(`search: ${rows.length} rows`));
    const tool = weld.dispatcher.call({ tool: 'list-components', args: {}, client: 'test' }).then(() => order.push('tool call'));
    await Promise.all([search, tool]);
    expect(order).toEqual(['tool call', 'search: 0 rows']);
  });

  it('see what this process has just recorded, and find it by text, status and tool', async () => {
    fillCallLog(10);
    await weld.dispatcher.call({ tool: 'list-components', args: {}, client: 'ui-test/1' });
    await expect(weld.dispatcher.call({ tool: 'nope', args: {}, client: 'ui-test/1' })).rejects.toThrow(/Unknown tool/);
    expect((await call('calls.list', { text: 'UI-TEST' })).map((c) => [c.tool, c.client])).toEqual([
      ['list-components', 'ui-test/1'],
    ]);
    expect(await call('calls.list', { tool: 'list-components' })).toHaveLength(1);
    expect(await call('calls.list', { status: 'error' })).toEqual([]);
    expect(await call('calls.list', { limit: 5 })).toHaveLength(5);
  });

  it('search, verify and export the audit log as the engine wrote it', async () => {
    await call('settings.setCallHistory', { days: 30 });
    await call('settings.setCallHistory', { days: null });
    expect((await call('audit.list', { text: 'call_history' })).map((r) => r.detail)).toEqual([
      { from: 30, to: null },
      { from: 90, to: 30 },
    ]);
    expect(await call('audit.verify', {})).toMatchObject({ ok: true, rows: 2 });
    const exported = await call('audit.export', {});
    expect(exported.rows).toBe(2);
    expect(
      exported.jsonl
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).seq),
    ).toEqual([1, 2]);
  });
});
