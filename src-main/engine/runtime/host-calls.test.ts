import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasiCode } from '../../../test/helpers.js';
import { EventBus } from '../events.js';
import type { CapabilityEventRow } from '../store/calls.js';
import type { Recorder } from '../store/recorder.js';
import { CallDenials } from './call-denials.js';
import { hostCallRouter } from './host-calls.js';
import { type CapabilityUse, HOST_OPS } from './sandbox.js';
import { ITEMISED_PER_CALL, MAX_TARGET_CHARS } from './use-ledger.js';
import { createFilesystem } from './wasi/filesystem.js';

function router() {
  const rows: CapabilityEventRow[] = [];
  const recorder = { capability: (row: CapabilityEventRow) => void rows.push(row) } as unknown as Recorder;
  const events = new EventBus();
  const denials = new CallDenials();
  const route = hostCallRouter({
    recorder,
    events,
    denials,
    request: async () => ({ decision: 'denied', reason: 'test' }),
    http: async () => undefined,
  });
  const use = (callId: string, u: Partial<CapabilityUse> & { target: string }) =>
    route('notes', callId, HOST_OPS.used, { kind: 'storage', access: 'read', decision: 'allowed', ...u });
  const finish = (callId: string) =>
    events.emit('call.finished', {
      callId,
      tool: 'read',
      componentId: 'notes',
      client: null,
      status: 'ok',
      durationUs: 1,
      error: null,
    });
  return { rows, denials, use, finish };
}

describe('a guest cannot flood the audit log or a tool result', () => {
  it('records each distinct access of a call once, and sums up repeats and the rest in one row at its end', () => {
    // Attack: every allowed file operation used to write its own hash-chained audit row.
    const { rows, use, finish } = router();
    for (let i = 0; i < 50_000; i++) use('c1', { target: 'fs:///data/same.txt' });
    for (let i = 0; i < 5_000; i++) use('c1', { target: `fs:///data/f${i}.txt` });
    use('c2', { target: 'fs:///data/same.txt' });
    expect(rows.length).toBe(ITEMISED_PER_CALL + 1);
    finish('c1');
    const summary = rows.at(-1) as CapabilityEventRow;
    expect(rows.length).toBe(ITEMISED_PER_CALL + 2);
    expect(summary).toMatchObject({ callId: 'c1', componentId: 'notes', kind: 'storage', access: 'read', decision: 'allowed' });
    const notListed = 5_000 - (ITEMISED_PER_CALL - 1);
    expect(summary.target).toBe(
      `${49_999 + notListed} more storage read uses in this call on ${notListed} paths not listed (repeats and accesses past ${ITEMISED_PER_CALL} are counted, not listed)`,
    );
    finish('c2');
    expect(rows.length).toBe(ITEMISED_PER_CALL + 2);
  });

  it('bounds a guest path in the audit row and the tool result', () => {
    const { rows, denials, use } = router();
    const huge = `fs:///data/${'x'.repeat(5_000_000)}`;
    use('c1', { target: huge, decision: 'denied', reason: 'a deny rule covers this path' });
    expect(rows[0].target.length).toBeLessThan(MAX_TARGET_CHARS + 100);
    const [note] = denials.take('c1');
    expect(note.length).toBeLessThan(700);
    expect(note.startsWith('fs:///data/xxx')).toBe(true);
  });

  it('refuses a guest path longer than any file system allows before checking or auditing it', () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-longpath-')));
    const uses: unknown[] = [];
    const fs = createFilesystem({
      mounts: [{ guestPath: '/w', hostPath: base, read: true, write: true }],
      denyGlobs: [`${base}/**/*.key`],
      bridge: { call: () => ({ decision: 'denied', reason: 'test' }), notify: (_op, u) => void uses.push(u) },
    });
    try {
      const root = fs.preopens.getDirectories()[0][0];
      expect(wasiCode(() => root.openAt({}, `${'a/'.repeat(2_500_000)}x.key`, {}, { read: true }))).toBe('name-too-long');
      expect(uses).toEqual([]);
    } finally {
      fs.closeAll();
      rmSync(base, { recursive: true, force: true });
    }
  });
});
