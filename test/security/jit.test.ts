import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PendingRequest } from '../../src-main/engine/policy/index.js';
import { Canary, type HostileWorld, hostileWasm, hostileWorld, text } from './hostile-engine.js';

const ASKED_TEXT = 'in the directory the policy asks for';

/** The hostile component's policy asks for `<base>/asked`; nothing is granted. */
function policyAsking(base: string): string {
  return `version: "1.0"
description: "asks for one directory"
permissions:
  storage:
    allow:
      - uri: "fs://${base}/asked"
        access: [read, write]
`;
}

function world(): Promise<HostileWorld> {
  return hostileWorld({
    setup: (base) => {
      mkdirSync(join(base, 'asked'));
      writeFileSync(join(base, 'asked', 'f.txt'), ASKED_TEXT);
    },
    policy: policyAsking,
  });
}

async function pendingFor(w: HostileWorld, callId: () => string): Promise<PendingRequest> {
  for (let i = 0; i < 600; i++) {
    const p = w.weld.policy.pending(w.componentId).find((r) => r.callId === callId());
    if (p) return p;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no capability request appeared');
}

/** Starts a call and returns it with a getter for its id (known once it started). */
function start(w: HostileWorld, tool: string, args: Record<string, unknown>) {
  let callId = '';
  const off = w.weld.events.on('call.started', (e) => {
    if (e.tool === tool && !callId) callId = e.callId;
  });
  const result = w.weld.dispatcher.call({ tool, args, client: 'security-test' }).finally(off);
  return { result, callId: () => callId };
}

describe('just-in-time requests with a person present', { timeout: 120_000 }, () => {
  let w: HostileWorld;
  let canary: Canary;
  let undoDecider: () => void;

  beforeAll(async () => {
    await hostileWasm();
    w = await world();
    canary = new Canary(w.base);
    undoDecider = w.weld.policy.addDecider('security-test');
  }, 180_000);
  afterAll(async () => {
    undoDecider?.();
    await w?.close();
  });
  afterEach(async () => {
    expect(text(await w.call('ok'))).toBe('ok');
    canary.check();
  });

  it('holds the call on an ungranted directory until a person allows it once', async () => {
    const requested: string[] = [];
    const offRequested = w.weld.events.on('capability.requested', (e) => requested.push(e.requestId));
    const call = start(w, 'read-file', { path: 'f.txt' });
    const req = await pendingFor(w, call.callId);
    expect(req).toMatchObject({ kind: 'storage', target: `fs://${w.base}/asked`, access: 'read', origin: 'runtime' });
    expect(requested).toContain(req.id);
    // Held: no result while the person has not answered.
    const early = await Promise.race([call.result.then(() => 'answered'), new Promise((r) => setTimeout(() => r('held'), 300))]);
    expect(early).toBe('held');

    w.weld.policy.decide(req.id, 'once', 'security-test');
    const result = await call.result;
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toBe(ASKED_TEXT);
    offRequested();
    w.weld.store.recorder.flush();
    const events = w.weld.store.calls.capabilityEvents(call.callId());
    expect(events).toContainEqual(expect.objectContaining({ kind: 'storage', decision: 'allowed', access: 'read' }));
  });

  it('a held call the client cancels takes its request away, so nobody is asked about a dead call', async () => {
    let callId = '';
    const off = w.weld.events.on('call.started', (e) => {
      callId ||= e.callId;
    });
    const abort = new AbortController();
    const held = w.weld.dispatcher.call({
      tool: 'read-file',
      args: { path: 'f.txt' },
      client: 'security-test',
      signal: abort.signal,
    });
    const req = await pendingFor(w, () => callId);
    off();
    abort.abort();
    const result = await held;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/cancelled/);
    expect(w.weld.policy.pending()).toEqual([]);
    expect(w.weld.policy.getRequest(req.id)).toMatchObject({ status: 'expired', decidedBy: 'weld:call-ended' });
    expect(() => w.weld.policy.decide(req.id, 'once', 'security-test')).toThrow(/already expired/);
  });

  it('a once answer covers one call: the next touch asks again, and a denial refuses it', async () => {
    const call = start(w, 'read-file', { path: 'f.txt' });
    const req = await pendingFor(w, call.callId);
    w.weld.policy.decide(req.id, 'deny', 'security-test');
    const result = await call.result;
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toBe('open: access');
    expect(text(result)).toContain(`was denied by security-test`);
    expect(text(result)).toContain(`To allow it: weld grant hostile storage fs://${w.base}/asked --access read`);
    // The log says what happened: a person refused it, which is not a tool failure, and the refusal is one entry.
    w.weld.store.recorder.flush();
    expect(w.weld.store.calls.get(call.callId())?.status).toBe('denied');
    expect(w.weld.store.calls.list({ status: 'denied' }).map((c) => c.id)).toContain(call.callId());
    const refusals = w.weld.store.calls.capabilityEvents(call.callId()).filter((e) => e.decision === 'denied');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ kind: 'storage', target: `fs://${w.base}/asked/f.txt`, access: 'read' });
  });

  it('holds an HTTP request to an ungranted host: once lets one request through, session the following ones', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end(`page ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const first = start(w, 'fetch-text', { url: `http://127.0.0.1:${port}/one` });
      const req = await pendingFor(w, first.callId);
      expect(req).toMatchObject({ kind: 'network', target: `127.0.0.1:${port}` });
      expect(seen).toEqual([]);
      w.weld.policy.decide(req.id, 'once', 'security-test');
      expect(text(await first.result)).toBe('page /one');

      const second = start(w, 'fetch-text', { url: `http://127.0.0.1:${port}/two` });
      const again = await pendingFor(w, second.callId);
      w.weld.policy.decide(again.id, 'session', 'security-test');
      expect(text(await second.result)).toBe('page /two');
      // The session answer stands: no new request, no wait.
      expect(text(await w.call('fetch-text', { url: `http://127.0.0.1:${port}/three` }))).toBe('page /three');
      expect(w.weld.policy.pending()).toEqual([]);
      expect(seen).toEqual(['/one', '/two', '/three']);
    } finally {
      server.close();
    }
  });
});

describe('just-in-time requests with nobody to answer (headless)', { timeout: 120_000 }, () => {
  let w: HostileWorld;
  let canary: Canary;

  beforeAll(async () => {
    await hostileWasm();
    w = await world();
    canary = new Canary(w.base);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  });

  it('denies at once and the tool result carries the exact weld grant command', async () => {
    const started = Date.now();
    const { result, callId } = await w.traced('read-file', { path: 'f.txt' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toBe('open: access');
    expect(text(result)).toContain('no one is here to approve it');
    expect(text(result)).toContain(`To allow it: weld grant hostile storage fs://${w.base}/asked --access read`);
    expect(text(result)).not.toContain(ASKED_TEXT);
    expect(w.weld.policy.pending()).toEqual([]);
    expect(w.events(callId)).toEqual([
      expect.objectContaining({ kind: 'storage', target: `fs://${w.base}/asked/f.txt`, decision: 'denied' }),
    ]);
    expect(text(await w.call('ok'))).toBe('ok');
    canary.check();
  });

  it('a refusal made while nobody was there does not outlive its call: once the window opens, the next call asks', async () => {
    const refused = await w.call('read-file', { path: 'f.txt' });
    expect(text(refused)).toContain('no one is here to approve it');
    const undoDecider = w.weld.policy.addDecider('window');
    try {
      const call = start(w, 'read-file', { path: 'f.txt' });
      const req = await pendingFor(w, call.callId);
      w.weld.policy.decide(req.id, 'once', 'security-test');
      expect(text(await call.result)).toBe(ASKED_TEXT);
    } finally {
      undoDecider();
    }
    canary.check();
  });
});

/**
 * The call timeout bounds the guest's own work. Time spent waiting for a person is not the guest's:
 * a held call must survive past its timeout until the person answers (or the request expires).
 */
describe('a held call and the call timeout', { timeout: 120_000 }, () => {
  let w: HostileWorld;
  let canary: Canary;
  let undoDecider: () => void;

  beforeAll(async () => {
    await hostileWasm();
    w = await hostileWorld({
      setup: (base) => {
        mkdirSync(join(base, 'asked'));
        writeFileSync(join(base, 'asked', 'f.txt'), ASKED_TEXT);
      },
      policy: (base) => `${policyAsking(base)}  resources:
    limits:
      timeout: 1500ms
`,
    });
    canary = new Canary(w.base);
    undoDecider = w.weld.policy.addDecider('security-test');
  }, 180_000);
  afterAll(async () => {
    undoDecider?.();
    await w?.close();
  });

  it('waits for the person past the call timeout, and the guest then gets its own full timeout', async () => {
    const call = start(w, 'read-file', { path: 'f.txt' });
    const req = await pendingFor(w, call.callId);
    // Answer well after the 1.5 s call timeout.
    await new Promise((r) => setTimeout(r, 2500));
    expect(w.weld.policy.pending().map((p) => p.id)).toEqual([req.id]);
    w.weld.policy.decide(req.id, 'once', 'security-test');
    const result = await call.result;
    expect(text(result)).toBe(ASKED_TEXT);
    // The guest's own work is still bounded.
    const spin = await w.call('spin');
    expect(text(spin)).toMatch(/timed out after 1500 ms/);
    expect(text(await w.call('ok'))).toBe('ok');
    canary.check();
  });
});
