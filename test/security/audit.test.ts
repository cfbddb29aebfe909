import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDispatch } from '../../src-main/api/registry.js';
import type { ToolResult } from '../../src-main/engine/mcp/tool-table.js';
import { runWeld, tempHome } from '../helpers.js';
import { Canary, type HostileWorld, hostileWasm, hostileWorld, text } from './hostile-engine.js';

/**
 * One session of allowed, refused, asked-and-answered and headless-denied accesses, then the record:
 * every call, each access against its call id, every decision in the hash-chained audit log, and
 * `weld audit --verify` on the result (and failing on an edited copy).
 */
describe('audit of a hostile session', { timeout: 180_000 }, () => {
  let w: HostileWorld;
  let canary: Canary;
  let server: http.Server;
  let port: number;
  const calls: Record<string, { callId: string; result: ToolResult }> = {};

  beforeAll(async () => {
    server = http.createServer((req, res) => res.end(`page ${req.url}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    await hostileWasm();
    w = await hostileWorld({
      setup: (base) => {
        mkdirSync(join(base, 'data'));
        writeFileSync(join(base, 'data', 'notes.txt'), 'notes');
      },
      // Asks for write too; only read is granted, so a write is a just-in-time request.
      policy: (base) => `version: "1.0"
permissions:
  storage:
    allow:
      - uri: "fs://${base}/data"
        access: [read, write]
`,
      grants: (base) => [
        { kind: 'storage', target: `fs://${base}/data`, access: 'read' },
        { kind: 'network', target: `127.0.0.1:${port}` },
      ],
    });
    canary = new Canary(w.base);

    calls.read = await w.traced('read-file', { path: `notes.txt` });
    calls.traversal = await w.traced('read-file', { path: '../canary.txt' });
    calls.fetch = await w.traced('fetch-text', { url: `http://127.0.0.1:${port}/a` });
    calls.fetchDenied = await w.traced('fetch-text', { url: `http://127.0.0.1:${port + 1}/b` });
    calls.socket = await w.traced('open-socket', { host: '127.0.0.1', port });

    const undo = w.weld.policy.addDecider('auditor');
    let jitId = '';
    const off = w.weld.events.on('call.started', (e) => {
      jitId ||= e.callId;
    });
    const held = w.weld.dispatcher.call({ tool: 'write-file', args: { path: 'jit.txt', text: 'once' }, client: 'security-test' });
    let request = w.weld.policy.pending()[0];
    for (let i = 0; i < 600 && !request; i++) {
      await new Promise((r) => setTimeout(r, 50));
      request = w.weld.policy.pending()[0];
    }
    w.weld.policy.decide(request.id, 'once', 'auditor');
    calls.jit = { callId: jitId, result: await held };
    off();
    undo();
    calls.headless = await w.traced('write-file', { path: 'headless.txt', text: 'refused' });
    w.weld.store.recorder.flush();
  }, 240_000);
  afterAll(async () => {
    await w?.close();
    server?.close();
  });

  it('served the session as expected (allowed, refused, answered, headless)', async () => {
    expect(text(calls.read.result)).toBe('notes');
    expect(calls.traversal.result.isError).toBe(true);
    expect(text(calls.fetch.result)).toBe('page /a');
    expect(calls.fetchDenied.result.isError).toBe(true);
    expect(calls.socket.result.isError).toBe(true);
    expect(calls.jit.result.isError, text(calls.jit.result)).toBeFalsy();
    expect(readFileSync(join(w.base, 'data', 'jit.txt'), 'utf8')).toBe('once');
    expect(text(calls.headless.result)).toContain(`weld grant hostile storage fs://${w.base}/data --access write`);
    expect(existsSync(join(w.base, 'data', 'headless.txt'))).toBe(false);
    expect(text(await w.call('ok'))).toBe('ok');
    canary.check();
  });

  it('records every call with its outcome, a refused one as denied rather than as an error', () => {
    const refused = new Set(['traversal', 'fetchDenied', 'socket', 'headless']);
    for (const [name, c] of Object.entries(calls)) {
      const row = w.weld.store.calls.get(c.callId);
      expect(row, name).toBeDefined();
      expect(row?.componentId).toBe('hostile');
      expect(row?.status, name).toBe(refused.has(name) ? 'denied' : c.result.isError ? 'error' : 'ok');
    }
  });

  it('finds the refused calls, and only those, by the denied status in `weld logs` and in the UI API', async () => {
    const refused = ['traversal', 'fetchDenied', 'socket', 'headless'].map((n) => calls[n].callId).sort();
    const logs = await runWeld(['logs', '--status', 'denied', '--json'], w.home);
    expect(logs.code, logs.stderr).toBe(0);
    const ids = logs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id as string);
    expect(ids.sort()).toEqual(refused);
    const api = createApiDispatch({
      weld: w.weld,
      actor: 'user:web-ui',
      shell: 'web',
      httpUrl: null,
      socketPath: null,
      launcher: { command: 'weld', args: [] },
    });
    const rows = (await api('calls.list', { status: 'denied' })) as { id: string; status: string }[];
    expect(rows.map((r) => r.id).sort()).toEqual(refused);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['denied']));
  });

  it('records each access and refusal against the call that made it', () => {
    const ev = (name: string) => w.events(calls[name].callId).map((e) => `${e.decision} ${e.kind} ${e.access} ${e.target}`);
    expect(ev('read')).toEqual([`allowed storage read fs://${w.base}/data/notes.txt`]);
    expect(ev('traversal')).toEqual([`denied storage read fs://${w.base}/canary.txt`]);
    expect(ev('fetch')).toEqual([
      `allowed network GET http://127.0.0.1:${port}`,
      `allowed network GET http://127.0.0.1:${port} (127.0.0.1)`,
    ]);
    expect(ev('fetchDenied')).toContainEqual(`denied network GET http://127.0.0.1:${port + 1}`);
    expect(ev('socket')).toEqual(['denied network socket dns:127.0.0.1']);
    expect(ev('jit')).toContainEqual(`allowed storage write fs://${w.base}/data/jit.txt`);
    // One entry per refused attempt, naming the file the guest tried (not also its mount).
    expect(ev('headless')).toEqual([`denied storage write fs://${w.base}/data/headless.txt`]);
  });

  it('puts every decision and every access in the hash-chained audit log, tied to its call', () => {
    const log = w.weld.store.audit.list(0, 10_000);
    const actions = log.map((r) => `${r.actor} ${r.action}`);
    expect(actions).toContain('test component.installed');
    expect(actions.filter((a) => a === 'test policy.grant')).toHaveLength(2);
    const byCall = (callId: string) => log.filter((r) => (r.detail as { callId?: string }).callId === callId);
    const decisions = (callId: string) => byCall(callId).filter((r) => !r.action.startsWith('capability.'));
    expect(decisions(calls.jit.callId).map((r) => `${r.actor} ${r.action}`)).toEqual([
      'component:hostile policy.request',
      'auditor policy.decide',
    ]);
    expect(decisions(calls.jit.callId)[1].detail).toMatchObject({
      answer: 'once',
      target: `fs://${w.base}/data`,
      access: 'write',
    });
    expect(decisions(calls.headless.callId).map((r) => `${r.actor} ${r.action}`)).toEqual(['weld:headless policy.decide']);
    // The accesses themselves are chained too: the write the person allowed, and the refusals.
    expect(byCall(calls.jit.callId).map((r) => `${r.action} ${(r.detail as { target: string }).target ?? ''}`)).toContainEqual(
      `capability.allowed fs://${w.base}/data/jit.txt`,
    );
    expect(byCall(calls.headless.callId).map((r) => r.action)).toContain('capability.denied');
    expect(w.weld.store.audit.verify()).toMatchObject({ ok: true, rows: log.length });
  });

  it('records each access against its own call when calls to one component are in flight together', async () => {
    const files = Array.from({ length: 6 }, (_, i) => `f${i}.txt`);
    for (const f of files) writeFileSync(join(w.base, 'data', f), `content of ${f}`);
    const ids: string[] = [];
    const off = w.weld.events.on('call.started', (e) => ids.push(e.callId));
    const results = await Promise.all(
      files.map((path) => w.weld.dispatcher.call({ tool: 'read-file', args: { path }, client: 'security-test' })),
    );
    off();
    w.weld.store.recorder.flush();
    expect(results.map(text)).toEqual(files.map((f) => `content of ${f}`));
    files.forEach((f, i) => {
      expect(w.events(ids[i]).map((e) => `${e.decision} ${e.target}`)).toEqual([`allowed fs://${w.base}/data/${f}`]);
    });
  });

  it('weld audit --verify passes on the data dir, and fails on a copy with one edited entry', async () => {
    await w.weld.stop();
    const ok = await runWeld(['audit', '--verify'], w.home);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^Audit log intact: \d+ entries, hash chain verified(, anchored at entry \d+)?\.$/m);

    const copy = tempHome();
    try {
      copyFileSync(join(w.home, 'weld.db'), join(copy.home, 'weld.db'));
      const db = new Database(join(copy.home, 'weld.db'));
      db.prepare(`UPDATE audit_log SET detail = json_set(detail, '$.answer', 'always') WHERE action = 'policy.decide'`).run();
      db.close();
      const bad = await runWeld(['audit', '--verify'], copy.home);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/Audit log TAMPERED at entry \d+: row content does not match its hash \(edited\)/);
    } finally {
      copy.cleanup();
    }
  });
});
