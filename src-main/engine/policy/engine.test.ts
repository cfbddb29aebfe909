import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleComponent, tempHome } from '../../../test/helpers.js';
import { EventBus } from '../events.js';
import { openStore, type Store } from '../store/index.js';
import { createWeld } from '../weld.js';
import { createPolicyEngine, type PolicyEngine, type PolicyEngineOptions } from './engine.js';
import { parsePolicy } from './parse.js';
import { requestedCapabilities } from './requested.js';
import type { Verdict } from './types.js';

let home: string;
let cleanup: () => void;
const open: { engine: PolicyEngine; store: Store }[] = [];

beforeEach(() => ({ home, cleanup } = tempHome('weld-policy-')));
afterEach(() => {
  for (const o of open.splice(0)) {
    o.engine.close();
    o.store.close();
  }
  cleanup();
});

const POLICY = `version: "1.0"
permissions:
  storage:
    allow:
      - { uri: "fs://~/notes/**", access: [read] }
      - { uri: "fs://cache", access: [read, write] }
    deny:
      - { uri: "fs://~/notes/private", access: [read, write] }
  network:
    allow: [{ host: "api.github.com:443" }]
  environment:
    allow: [{ key: GITHUB_TOKEN }]
  resources:
    limits: { memory: 128Mi, timeout: 5s }
`;

/** An engine over its own connection to the shared database, as a second Weld process would have. */
function engine(extra: Partial<PolicyEngineOptions> = {}): { engine: PolicyEngine; store: Store; events: EventBus } {
  const store = openStore(join(home, 'weld.db'));
  const events = new EventBus();
  const e = createPolicyEngine({
    store,
    events,
    dataDir: home,
    userHome: '/home/ann',
    env: { GITHUB_TOKEN: 'from-env', OTHER: 'x' },
    pollMs: 60_000,
    ...extra,
  });
  open.push({ engine: e, store });
  return { engine: e, store, events };
}

function install(store: Store, id = 'notes', policy: string | null = POLICY): void {
  store.components.put(sampleComponent({ id, policy, requestedCapabilities: [] }));
}

const url = (s: string) => new URL(s);

describe('grants', () => {
  it('refuses a grant for a component that is not installed', () => {
    const { engine: e } = engine();
    expect(() => e.grant({ componentId: 'ghost', kind: 'network', target: 'a.com', by: 'ann' })).toThrow(
      /no component "ghost" is installed/,
    );
  });

  it("refuses a grant inside Weld's data dir, except the component's own workspace", () => {
    const { engine: e, store } = engine();
    install(store);
    expect(() => e.grant({ componentId: 'notes', kind: 'storage', target: `${home}/secrets`, by: 'ann' })).toThrow(
      /inside Weld's data directory/,
    );
    expect(() =>
      e.grant({ componentId: 'notes', kind: 'storage', target: `fs://${home}/workspaces/other/**`, by: 'ann' }),
    ).toThrow(/inside Weld's data directory/);
    expect(e.grant({ componentId: 'notes', kind: 'storage', target: 'fs://cache', by: 'ann' }).target).toBe(
      `fs://${home}/workspaces/notes/cache`,
    );
  });

  it('keeps always grants across restarts and drops session grants', async () => {
    const weld1 = await createWeld({ home, env: {} });
    weld1.store.components.put(sampleComponent({ id: 'notes', policy: null }));
    weld1.policy.grant({ componentId: 'notes', kind: 'network', target: 'api.github.com:443', by: 'ann' });
    weld1.policy.grant({ componentId: 'notes', kind: 'network', target: 'example.org', scope: 'session', by: 'ann' });
    const c1 = weld1.policy.checker('notes');
    expect(c1.network(url('https://api.github.com/'), '140.82.112.6').decision).toBe('allowed');
    expect(c1.network(url('https://example.org/'), '93.184.216.34').decision).toBe('allowed');
    const rows = weld1.store.db.prepare('SELECT target, scope FROM grants').all();
    expect(rows).toEqual([{ target: 'api.github.com:443', scope: 'always' }]);
    await weld1.stop();

    const weld2 = await createWeld({ home, env: {} });
    const c2 = weld2.policy.checker('notes');
    expect(c2.network(url('https://api.github.com/'), '140.82.112.6').decision).toBe('allowed');
    expect(c2.network(url('https://example.org/'), '93.184.216.34').decision).toBe('ask');
    expect(weld2.policy.grants('notes').map((g) => [g.target, g.scope])).toEqual([['api.github.com:443', 'always']]);
    await weld2.stop();
  });

  it('an expired grant stops allowing without anyone revoking it', () => {
    let clock = 1_000_000;
    const { engine: e, store } = engine({ now: () => clock });
    install(store);
    e.grant({ componentId: 'notes', kind: 'environment', target: 'GITHUB_TOKEN', expiresAt: clock + 60_000, by: 'ann' });
    expect(e.checker('notes').env('GITHUB_TOKEN').decision).toBe('allowed');
    expect(e.plan('notes').env).toEqual([['GITHUB_TOKEN', 'from-env']]);
    clock += 60_001;
    expect(e.checker('notes').env('GITHUB_TOKEN').decision).toBe('ask');
    expect(e.plan('notes').env).toEqual([]);
    expect(() => e.grant({ componentId: 'notes', kind: 'environment', target: 'X', expiresAt: clock - 1, by: 'ann' })).toThrow(
      /in the future/,
    );
  });

  it('suspends every grant when other code is installed under the same id, until a person re-approves it', () => {
    const { engine: e, store, events } = engine();
    install(store);
    e.grant({ componentId: 'notes', kind: 'environment', target: 'GITHUB_TOKEN', by: 'ann' });
    e.grant({ componentId: 'notes', kind: 'network', target: 'api.github.com:443', scope: 'session', by: 'ann' });
    e.secrets.set('notes', 'GITHUB_TOKEN', 'sealed-value');
    expect(e.plan('notes').env).toEqual([['GITHUB_TOKEN', 'sealed-value']]);

    // Other code arrives under the id "notes" (a file of the same name, an update, anything).
    const swapped = `sha256:${'cd'.repeat(32)}`;
    store.components.put(sampleComponent({ id: 'notes', policy: POLICY, requestedCapabilities: [], digest: swapped }));
    events.emit('components.changed', { componentId: 'notes', change: 'updated' });
    expect(e.grants('notes')).toEqual([]);
    expect(e.plan('notes').env).toEqual([]);
    expect(e.checker('notes').env('GITHUB_TOKEN').decision).toBe('ask');
    expect(e.checker('notes').network(url('https://api.github.com/'), '140.82.112.6').decision).not.toBe('allowed');
    expect(e.suspended('notes').map((g) => [g.kind, g.digest])).toEqual([
      ['environment', `sha256:${'ab'.repeat(32)}`],
      ['network', `sha256:${'ab'.repeat(32)}`],
    ]);
    // Another signer for the same code is other code too.
    expect(e.reapprove('notes', 'ann')).toBe(2);
    expect(e.plan('notes').env).toEqual([['GITHUB_TOKEN', 'sealed-value']]);
    expect(e.grants('notes').map((g) => g.digest)).toEqual([swapped, swapped]);
    store.components.put(
      sampleComponent({ id: 'notes', policy: POLICY, requestedCapabilities: [], digest: swapped, publisher: 'mallory' }),
    );
    events.emit('components.changed', { componentId: 'notes', change: 'updated' });
    expect(e.grants('notes')).toEqual([]);
    expect(store.audit.list().map((a) => a.action)).toContain('policy.reapprove');
  });

  it('a running engine stops honouring a grant the moment it expires, and says so', async () => {
    const { engine: e, store, events } = engine();
    install(store);
    const changed = new Promise<void>((resolve) => {
      const off = events.on('grants.changed', () => {
        if (e.plan('notes').env.length === 0) {
          off();
          resolve();
        }
      });
    });
    e.grant({ componentId: 'notes', kind: 'environment', target: 'GITHUB_TOKEN', expiresAt: Date.now() + 200, by: 'ann' });
    expect(e.plan('notes').env).toEqual([['GITHUB_TOKEN', 'from-env']]);
    await changed;
    expect(e.checker('notes').env('GITHUB_TOKEN').decision).toBe('ask');
    expect(store.audit.list().find((a) => a.action === 'policy.expired')?.detail).toMatchObject({
      grants: [{ kind: 'environment', target: 'GITHUB_TOKEN' }],
    });
  });

  it('revoking part of a storage grant keeps the rest; revoking what was never granted says what is', () => {
    const { engine: e, store } = engine();
    install(store);
    e.grant({ componentId: 'notes', kind: 'storage', target: 'fs:///data', access: 'read,write', by: 'ann' });
    const r = e.revoke({ componentId: 'notes', kind: 'storage', target: '/data/', access: 'write', by: 'ann' });
    expect(r.narrowed.map((g) => g.access)).toEqual(['read']);
    const c = e.checker('notes');
    expect(c.storage('/data/a', 'read').decision).toBe('allowed');
    expect(c.storage('/data/a', 'write').decision).toBe('ask');
    expect(() => e.revoke({ componentId: 'notes', kind: 'storage', target: 'fs:///elsewhere', by: 'ann' })).toThrow(
      /notes has no storage grant for fs:\/\/\/elsewhere; its grants: storage fs:\/\/\/data/,
    );
    e.revoke({ componentId: 'notes', kind: 'storage', target: 'fs:///data', by: 'ann' });
    expect(e.grants('notes')).toEqual([]);
  });

  it('approving the requested list grants each concrete request and skips the * entries of WIT imports', () => {
    const { engine: e, store } = engine();
    store.components.put(
      sampleComponent({
        id: 'notes',
        policy: null,
        requestedCapabilities: [
          { kind: 'storage', target: 'fs://~/notes/**', access: 'read', source: 'policy' },
          { kind: 'network', target: 'api.github.com:443', source: 'policy' },
          { kind: 'environment', target: '*', source: 'wit' },
        ],
      }),
    );
    const r = e.approveRequested('notes', 'cli:ann');
    expect(r.granted.map((g) => g.target)).toEqual(['fs:///home/ann/notes/**', 'api.github.com:443']);
    expect(r.skipped).toEqual([{ kind: 'environment', target: '*', source: 'wit' }]);
    expect(e.requested('notes').map((c) => c.granted)).toEqual([true, true, false]);
  });

  it('sees grants made by another process once it syncs, and says so with grants.changed', () => {
    const a = engine();
    const b = engine();
    install(a.store);
    const changed: string[] = [];
    a.events.on('grants.changed', (e) => changed.push(e.componentId));
    expect(a.engine.checker('notes').env('GITHUB_TOKEN').decision).toBe('ask');
    b.engine.grant({ componentId: 'notes', kind: 'environment', target: 'GITHUB_TOKEN', by: 'cli:ann' });
    a.engine.sync();
    expect(changed).toEqual(['notes']);
    expect(a.engine.checker('notes').env('GITHUB_TOKEN').decision).toBe('allowed');
  });
});

describe('sandbox plan', () => {
  it('mounts granted directories, shows requested ones without access, lists denies, env and limits', () => {
    const { engine: e, store } = engine();
    store.components.put(
      sampleComponent({
        id: 'notes',
        policy: POLICY,
        requestedCapabilities: [
          { kind: 'storage', target: 'fs://~/notes/**', access: 'read', source: 'policy' },
          { kind: 'storage', target: 'fs://cache', access: 'read,write', source: 'policy' },
          { kind: 'storage', target: '*', access: 'read,write', source: 'wit' },
        ],
      }),
    );
    e.grant({ componentId: 'notes', kind: 'storage', target: 'fs://cache', access: 'read,write', by: 'ann' });
    e.grant({ componentId: 'notes', kind: 'environment', target: 'GITHUB_TOKEN', by: 'ann' });
    e.secrets.set('notes', 'GITHUB_TOKEN', 'from-secret');
    const plan = e.plan('notes');
    const ws = join(home, 'workspaces', 'notes', 'cache');
    expect(plan.mounts).toEqual([
      { guestPath: '/home/ann/notes', hostPath: '/home/ann/notes', read: false, write: false },
      { guestPath: ws, hostPath: ws, read: true, write: true },
    ]);
    expect(statSync(ws).isDirectory()).toBe(true);
    expect(plan.denyGlobs).toContain('/home/ann/notes/private');
    expect(plan.denyGlobs).toContain('/home/ann/notes/private/**');
    expect(plan.denyGlobs).toContain(`${home}/!(workspaces)/**`);
    expect(plan.env).toEqual([['GITHUB_TOKEN', 'from-secret']]);
    expect(plan.limits).toEqual({ memoryBytes: 128 * 1024 ** 2, timeoutMs: 5000, resultBytes: 4 * 1024 ** 2 });
  });

  it('mounts the directory of a granted file without access, and the checker keeps the guest to that file', async () => {
    const { engine: e, store } = engine();
    install(store);
    const file = join(home, '..', `${home.split('/').pop()}-report.csv`);
    writeFileSync(file, 'a,b\n');
    try {
      e.grant({ componentId: 'notes', kind: 'storage', target: file, access: 'read', by: 'ann' });
      const dir = join(file, '..');
      expect(e.plan('notes').mounts).toEqual([{ guestPath: dir, hostPath: dir, read: true, write: false, checkEach: true }]);
      expect(e.checker('notes').storage(file, 'read').decision).toBe('allowed');
      expect(e.checker('notes').storage(join(dir, 'other.csv'), 'read').decision).toBe('ask');
      // The runtime asks about the file (its mount has no access); the grant answers, no person is asked.
      const v = await e.request({ componentId: 'notes', callId: 'c1', kind: 'storage', target: `fs://${file}`, access: 'read' });
      expect(v.decision).toBe('allowed');
      expect(store.audit.list().map((a) => a.action)).toEqual(['policy.grant']);
    } finally {
      rmSync(file);
    }
  });

  it('uses 256 MiB, 30 s and 4 MiB results without a policy', () => {
    const { engine: e, store } = engine();
    install(store, 'bare', null);
    expect(e.plan('bare').limits).toEqual({ memoryBytes: 256 * 1024 ** 2, timeoutMs: 30_000, resultBytes: 4 * 1024 ** 2 });
  });
});

describe('just-in-time requests', () => {
  it('denies at once, with the grant command, when no one can answer (headless)', async () => {
    const { engine: e, store } = engine();
    install(store);
    const started = Date.now();
    const v = await e.request({
      componentId: 'notes',
      callId: 'c1',
      kind: 'network',
      target: 'evil.example.com:443',
      access: '',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(v).toEqual({
      decision: 'denied',
      reason: expect.stringMatching(/network evil\.example\.com:443 is not granted, and no one is here to approve it/),
      grantCommand: 'weld grant notes network evil.example.com:443',
    });
    expect(store.audit.list().map((r) => [r.actor, r.action])).toEqual([['weld:headless', 'policy.decide']]);
  });

  it('denies after the timeout when nobody answers', async () => {
    const { engine: e, store, events } = engine({ requestTimeoutMs: 150 });
    install(store);
    e.addDecider('test');
    const seen: string[] = [];
    events.on('capability.requested', (r) => seen.push(r.requestId));
    const v = await e.request({
      componentId: 'notes',
      callId: 'c1',
      kind: 'storage',
      target: '/home/ann/.ssh/id_rsa',
      access: 'read',
    });
    expect(seen).toHaveLength(1);
    expect(v).toMatchObject({
      decision: 'denied',
      grantCommand: 'weld grant notes storage fs:///home/ann/.ssh/id_rsa --access read',
    });
    expect(v.decision === 'denied' && v.reason).toBe(
      'storage fs:///home/ann/.ssh/id_rsa (read) was not granted: no answer within 150 ms',
    );
    expect(e.pending()).toEqual([]);
    expect(e.getRequest(seen[0])).toMatchObject({ status: 'expired', decidedBy: 'weld:timeout' });
    store.recorder.flush();
    // The runtime records the use it refuses; the engine answering must not add a second entry.
    expect(store.calls.capabilityEvents('c1')).toEqual([]);
  });

  it('a once answer allows that call only, until it finishes', async () => {
    const { engine: e, store, events } = engine();
    install(store);
    e.addDecider('test');
    events.on('capability.requested', (r) => setImmediate(() => e.decide(r.requestId, 'once', 'ann')));
    const v = await e.request({ componentId: 'notes', callId: 'c1', kind: 'environment', target: 'OTHER', access: '' });
    expect(v.decision).toBe('allowed');
    expect(e.checker('notes', 'c1').env('OTHER').decision).toBe('allowed');
    expect(e.checker('notes', 'c2').env('OTHER').decision).toBe('ask');
    expect(e.plan('notes').env).toEqual([]);
    events.emit('call.finished', {
      callId: 'c1',
      tool: 't',
      componentId: 'notes',
      client: null,
      status: 'ok',
      durationUs: 1,
      error: null,
    });
    expect(e.checker('notes', 'c1').env('OTHER').decision).toBe('ask');
  });

  it('a file whose name looks like a glob is requested and granted as that one file', async () => {
    const { engine: e, store, events } = engine();
    install(store);
    e.addDecider('test');
    events.on('capability.requested', (r) => setImmediate(() => e.decide(r.requestId, 'always', 'ann')));
    const v = await e.request({ componentId: 'notes', callId: 'c1', kind: 'storage', target: 'fs:///data/*', access: 'read' });
    expect(v.decision).toBe('allowed');
    const c = e.checker('notes');
    expect(c.storage('/data/*', 'read').decision).toBe('allowed');
    expect(c.storage('/data/passwords.txt', 'read').decision).toBe('ask');
    expect(e.plan('notes').mounts).toEqual([{ guestPath: '/data/*', hostPath: '/data/*', read: true, write: false }]);
    e.grant({ componentId: 'notes', kind: 'storage', target: 'fs:///docs/*.md', access: 'read', by: 'ann' });
    e.grant({ componentId: 'notes', kind: 'storage', target: 'fs:///all/**', access: 'read,write', by: 'ann' });
    expect(e.plan('notes').mounts).toEqual([
      { guestPath: '/all', hostPath: '/all', read: true, write: true },
      { guestPath: '/data/*', hostPath: '/data/*', read: true, write: false },
      { guestPath: '/docs', hostPath: '/docs', read: true, write: false, checkEach: true },
    ]);
  });

  it('a once grant made without a call is used up by the first access it allows', () => {
    const { engine: e, store } = engine();
    install(store);
    e.grant({ componentId: 'notes', kind: 'environment', target: 'OTHER', scope: 'once', by: 'ann' });
    const c = e.checker('notes', 'c7');
    expect(c.env('OTHER').decision).toBe('allowed');
    expect(c.env('OTHER').decision).toBe('ask');
    expect(e.grants('notes')).toEqual([]);
  });

  it('a guest retrying the same access joins the open request instead of raising another', async () => {
    const { engine: e, store, events } = engine();
    install(store);
    e.addDecider('test');
    const ids: string[] = [];
    events.on('capability.requested', (r) => ids.push(r.requestId));
    const req = { componentId: 'notes', callId: 'c1', kind: 'network' as const, target: 'api.example.com', access: '' };
    const both = Promise.all([e.request(req), e.request(req)]);
    await new Promise((r) => setImmediate(r));
    expect(ids).toHaveLength(1);
    e.decide(ids[0], 'session', 'ann');
    expect((await both).map((v) => v.decision)).toEqual(['allowed', 'allowed']);
    expect(e.checker('notes', 'c9').network(url('https://api.example.com/'), '93.184.216.34').decision).toBe('allowed');
  });

  it('a person answering in another process releases the held call; always is stored', async () => {
    const server = engine({ requestTimeoutMs: 10_000 });
    const gui = engine();
    install(server.store);
    const stopPresence = gui.engine.addDecider('gui');
    expect(server.engine.hasDecider()).toBe(true);
    const held = server.engine.request({
      componentId: 'notes',
      callId: 'c1',
      kind: 'storage',
      target: '/srv/data/report.csv',
      access: 'write',
    });
    gui.engine.sync();
    const [req] = gui.engine.pending();
    expect(req).toMatchObject({
      componentId: 'notes',
      kind: 'storage',
      target: 'fs:///srv/data/report.csv',
      access: 'write',
      origin: 'runtime',
      suggestedScope: 'once',
    });
    gui.engine.decide(req.id, 'always', 'gui:ann');
    expect(() => gui.engine.decide(req.id, 'deny', 'gui:bob')).toThrow(/already allowed by gui:ann/);
    server.engine.sync();
    const v: Verdict = await held;
    expect(v).toEqual({ decision: 'allowed', rule: `always grant by gui:ann (request ${req.id})` });
    expect(server.engine.checker('notes').storage('/srv/data/report.csv', 'write').decision).toBe('allowed');
    stopPresence();
    expect(server.engine.hasDecider()).toBe(false);
  });

  it('an answer given in another process reaches the held call within a second, without waiting for a poll', async () => {
    // Polls an hour apart: only the database-change notification can deliver the answer in time.
    const server = engine({ requestTimeoutMs: 30_000, pollMs: 3_600_000 });
    const cli = engine({ pollMs: 3_600_000 });
    install(server.store);
    const stopPresence = cli.engine.addDecider('watch');
    const requested = new Promise<string>((resolve) => server.events.on('capability.requested', (r) => resolve(r.requestId)));
    const held = server.engine.request({ componentId: 'notes', callId: 'c1', kind: 'environment', target: 'OTHER', access: '' });
    const id = await requested;
    const t0 = performance.now();
    cli.engine.decide(id, 'once', 'cli:ann');
    const v = await held;
    const ms = performance.now() - t0;
    expect(v.decision).toBe('allowed');
    expect(ms).toBeLessThan(1000);
    stopPresence();
  });

  it('a deny answer gives the call the command that would allow it', async () => {
    const { engine: e, store, events } = engine();
    install(store);
    e.addDecider('test');
    events.on('capability.requested', (r) => setImmediate(() => e.decide(r.requestId, 'deny', 'ann')));
    const v = await e.request({ componentId: 'notes', callId: 'c1', kind: 'environment', target: 'AWS_SECRET', access: '' });
    expect(v).toEqual({
      decision: 'denied',
      reason: 'environment AWS_SECRET was denied by ann',
      grantCommand: 'weld grant notes env AWS_SECRET',
    });
  });
});

describe('requests from MCP tools', () => {
  it('creates a pending request, never a grant, until a person confirms it', () => {
    const { engine: e, store } = engine();
    install(store);
    const r = e.ask({ componentId: 'notes', kind: 'storage', target: 'fs://~/notes/**', access: 'read', by: 'mcp:claude' });
    expect(r.status).toBe('pending');
    if (r.status !== 'pending') return;
    expect(r.request).toMatchObject({
      target: 'fs:///home/ann/notes/**',
      origin: 'mcp',
      suggestedScope: 'always',
      requestedBy: 'mcp:claude',
    });
    expect(e.grants('notes')).toEqual([]);
    expect(e.checker('notes').storage('/home/ann/notes/a.md', 'read').decision).toBe('ask');
    // asking twice shows the same request
    const again = e.ask({
      componentId: 'notes',
      kind: 'storage',
      target: 'fs:///home/ann/notes/**',
      access: 'read',
      by: 'mcp:claude',
    });
    expect(again.status === 'pending' && again.request.id).toBe(r.request.id);
    e.decide(r.request.id, 'always', 'cli:ann');
    expect(e.checker('notes').storage('/home/ann/notes/a.md', 'read').decision).toBe('allowed');
    expect(
      e.ask({ componentId: 'notes', kind: 'storage', target: 'fs:///home/ann/notes/**', access: 'read', by: 'mcp:claude' })
        .status,
    ).toBe('granted');
  });

  it('reset removes every grant and denies open requests', () => {
    const { engine: e, store } = engine();
    install(store);
    e.grant({ componentId: 'notes', kind: 'network', target: 'a.com', by: 'ann' });
    e.grant({ componentId: 'notes', kind: 'network', target: 'b.com', scope: 'session', by: 'ann' });
    const r = e.ask({ componentId: 'notes', kind: 'environment', target: 'X', by: 'mcp:c' });
    expect(e.reset('notes', 'mcp:c')).toBe(2);
    expect(e.grants('notes')).toEqual([]);
    expect(e.pending()).toEqual([]);
    expect(r.status === 'pending' && e.getRequest(r.request.id)?.status).toBe('denied');
  });
});

describe('audit and export', () => {
  it('records every decision in a hash chain that verifies', async () => {
    const { engine: e, store, events } = engine({ requestTimeoutMs: 100 });
    install(store);
    e.grant({ componentId: 'notes', kind: 'network', target: 'a.com', by: 'cli:ann' });
    e.revoke({ componentId: 'notes', kind: 'network', target: 'a.com', by: 'cli:ann' });
    const asked = e.ask({ componentId: 'notes', kind: 'environment', target: 'X', by: 'mcp:c' });
    if (asked.status === 'pending') e.decide(asked.request.id, 'deny', 'cli:ann');
    e.addDecider('t');
    await e.request({ componentId: 'notes', callId: 'c1', kind: 'environment', target: 'Y', access: '' });
    const off = events.on('capability.requested', (r) => setImmediate(() => e.decide(r.requestId, 'session', 'gui:ann')));
    await e.request({ componentId: 'notes', callId: 'c2', kind: 'environment', target: 'Z', access: '' });
    off();
    e.reset('notes', 'cli:ann');
    const actions = store.audit.list().map((r) => `${r.actor} ${r.action}`);
    expect(actions).toEqual([
      'cli:ann policy.grant',
      'cli:ann policy.revoke',
      'mcp:c policy.request',
      'cli:ann policy.decide',
      'component:notes policy.request',
      'weld:timeout policy.decide',
      'component:notes policy.request',
      'gui:ann policy.decide',
      'cli:ann policy.reset',
    ]);
    expect(store.audit.verify()).toMatchObject({ ok: true, rows: 9 });
  });

  it('exports the current grants as a policy that parses back', () => {
    const { engine: e, store } = engine();
    install(store);
    e.grant({ componentId: 'notes', kind: 'storage', target: 'fs://~/notes/**', access: 'read', by: 'ann' });
    e.grant({ componentId: 'notes', kind: 'network', target: 'api.github.com:443', by: 'ann' });
    e.grant({ componentId: 'notes', kind: 'network', target: '10.0.0.0/8', by: 'ann' });
    e.grant({ componentId: 'notes', kind: 'environment', target: 'GITHUB_TOKEN', by: 'ann' });
    const p = parsePolicy(e.exportPolicy('notes'));
    expect(p.storage.allow).toEqual([{ uri: 'fs:///home/ann/notes/**', access: 'read' }]);
    expect(p.storage.deny).toEqual([{ uri: 'fs:///home/ann/notes/private', access: 'read,write' }]);
    expect(p.network.allow.map((r) => r.text).sort()).toEqual(['10.0.0.0/8', 'api.github.com:443']);
    expect(p.environment.allow).toEqual(['GITHUB_TOKEN']);
    expect(p.resources).toEqual({ memoryBytes: 128 * 1024 ** 2, cpu: null, timeoutMs: 5000, resultBytes: null });
  });

  it("keeps a grant's expiry in the exported policy, and approving that policy elsewhere grants until the same time", () => {
    const { engine: e, store } = engine();
    install(store);
    const until = Date.now() + 8 * 3_600_000;
    e.grant({ componentId: 'notes', kind: 'network', target: 'api.github.com:443', by: 'ann', expiresAt: until });
    e.grant({ componentId: 'notes', kind: 'storage', target: 'fs://~/notes/**', access: 'read', by: 'ann', expiresAt: until });
    e.grant({ componentId: 'notes', kind: 'environment', target: 'GITHUB_TOKEN', by: 'ann' });
    const yaml = e.exportPolicy('notes');
    expect(yaml).toContain(`expires: ${new Date(until).toISOString()}`);
    const exported = parsePolicy(yaml);
    expect(exported.expires).toEqual({
      'network api.github.com:443': until,
      'storage fs:///home/ann/notes/**': until,
    });
    store.components.put(
      sampleComponent({
        id: 'copy',
        digest: `sha256:${'c'.repeat(64)}`,
        policy: yaml,
        requestedCapabilities: requestedCapabilities(exported, []),
      }),
    );
    e.approveRequested('copy', 'ann');
    const byTarget = Object.fromEntries(e.grants('copy').map((g) => [g.target, g.expiresAt]));
    expect(byTarget).toEqual({
      'api.github.com:443': until,
      'fs:///home/ann/notes/**': until,
      GITHUB_TOKEN: null,
    });
    expect(() => parsePolicy(yaml.replace(new Date(until).toISOString(), 'next tuesday'))).toThrow(/ISO 8601/);
  });
});

describe('secrets', () => {
  it('stores values sealed in a 0600 file and binds each to its component and key', () => {
    const { engine: e, store } = engine();
    install(store);
    e.secrets.set('notes', 'GITHUB_TOKEN', 'ghp_supersecret');
    const file = join(home, 'secrets', 'secrets.json');
    expect(readFileSync(file, 'utf8')).not.toContain('ghp_supersecret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'secrets', 'key')).mode & 0o777).toBe(0o600);
    expect(e.secrets.get('notes', 'GITHUB_TOKEN')).toBe('ghp_supersecret');
    expect(e.secrets.keys('notes')).toEqual(['GITHUB_TOKEN']);

    // A value moved to another component's slot does not decrypt.
    const f = JSON.parse(readFileSync(file, 'utf8'));
    f.components.other = { GITHUB_TOKEN: f.components.notes.GITHUB_TOKEN };
    writeFileSync(file, JSON.stringify(f));
    expect(() => e.secrets.get('other', 'GITHUB_TOKEN')).toThrow();
    expect(e.secrets.remove('notes', 'GITHUB_TOKEN')).toBe(true);
    expect(e.secrets.keys('notes')).toEqual([]);
  });
});
