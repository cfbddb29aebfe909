import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleComponent, tempHome, wasiCode } from '../../../test/helpers.js';
import { EventBus } from '../events.js';
import type { HostBridge } from '../runtime/host-bridge.js';
import { createFilesystem, type Descriptor } from '../runtime/wasi/filesystem.js';
import { openStore, type Store } from '../store/index.js';
import { createPolicyEngine, type PolicyEngine } from './engine.js';

let home: string;
let cleanup: () => void;
let store: Store;
let engine: PolicyEngine;

beforeEach(() => {
  ({ home, cleanup } = tempHome('weld-system-paths-'));
  store = openStore(join(home, 'weld.db'));
  engine = createPolicyEngine({ store, events: new EventBus(), dataDir: home, userHome: '/home/ann', env: {}, pollMs: 60_000 });
  store.components.put(sampleComponent({ id: 'notes', policy: null, requestedCapabilities: [] }));
});
afterEach(() => {
  engine.close();
  store.close();
  cleanup();
});

const code = wasiCode;

/** Attack: with a grant that reaches /proc, a guest reads Weld's environment from /proc/self/environ. */
describe('/proc, /sys and /dev are never reachable through a grant', () => {
  it.each(['fs:///proc', '/proc/self/environ', 'fs:///sys/**', 'fs:///dev/sda', 'fs:///proc/**/mem'])(
    'refuses a grant of %s when it is made, saying why',
    (target) => {
      expect(() => engine.grant({ componentId: 'notes', kind: 'storage', target, access: 'read', by: 'ann' })).toThrow(
        /is inside \/(proc|sys|dev), and the kernel and device trees \(\/proc, \/sys, \/dev\) are never open to components/,
      );
      expect(() => engine.ask({ componentId: 'notes', kind: 'storage', target, access: 'read', by: 'mcp:client' })).toThrow(
        /never open to components/,
      );
      expect(engine.grants('notes')).toEqual([]);
      expect(engine.pending('notes')).toEqual([]);
    },
  );

  it('denies them under a grant of / in the checker, and asks no one', async () => {
    engine.grant({ componentId: 'notes', kind: 'storage', target: 'fs:///', access: 'read,write', by: 'ann' });
    const check = engine.checker('notes');
    for (const p of ['/proc/self/environ', '/proc/self/mem', '/sys/kernel/x', '/dev/sda', '/proc'])
      expect(check.storage(p, 'read'), p).toMatchObject({ decision: 'denied', reason: expect.stringMatching(/never open/) });
    expect(check.storage('/home/ann/notes.txt', 'read').decision).toBe('allowed');
    const verdict = await engine.request({
      componentId: 'notes',
      callId: null,
      kind: 'storage',
      target: '/proc/self/environ',
      access: 'read',
    });
    expect(verdict.decision).toBe('denied');
    expect(engine.pending('notes')).toEqual([]);
  });

  it.skipIf(!existsSync('/proc/self/environ'))('keeps a guest with / mounted out of /proc/self/environ', () => {
    engine.grant({ componentId: 'notes', kind: 'storage', target: 'fs:///', access: 'read', by: 'ann' });
    const plan = engine.plan('notes');
    const bridge: HostBridge = { call: () => ({ decision: 'denied', reason: 'headless' }), notify: () => {} };
    const fs = createFilesystem({ mounts: plan.mounts, denyGlobs: plan.denyGlobs, denyExact: plan.denyExact, bridge });
    try {
      const root = fs.preopens.getDirectories().find(([, name]) => name === '/')?.[0] as Descriptor;
      expect(code(() => root.openAt({}, 'proc/self/environ', {}, { read: true }))).toBe('access');
      // /dev/stdin is a symlink into /proc: refused either way.
      expect(['access', 'not-permitted']).toContain(
        code(() => root.openAt({ symlinkFollow: true }, 'dev/stdin', {}, { read: true })),
      );
      expect(code(() => root.statAt({}, 'sys'))).toBe('access');
      expect(code(() => root.statAt({}, tmpdir().slice(1)))).toBe('ok');
    } finally {
      fs.closeAll();
    }
  });
});
