import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComponent, fixtureDir } from '../../../../test/fixtures/build.js';
import { analyzeComponent } from '../analyze.js';
import { ComponentInstance } from '../instance.js';
import { type CapabilityUse, HOST_OPS, type SandboxPlan } from '../sandbox.js';
import { transpileToCache } from '../transpile-cache.js';

/**
 * The filesystem host inside Weld's real worker, driven by the hostile fixture: what only shows
 * when a guest runs in its own thread and that thread is killed.
 */

let base: string;
let mount: string;
let instance: ComponentInstance;
const uses: CapabilityUse[] = [];
// Also the start deadline: booting a worker from TypeScript sources takes seconds on a loaded machine.
const TIMEOUT_MS = 8000;

/** Host fds of this process that point into the mount: the worker's, since the test opens none. */
function fdsInMount(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target === mount || target.startsWith(`${mount}/`)) out.push(target);
    } catch {
      // Closed while listing.
    }
  }
  return out;
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

const call = (name: string, args: Record<string, unknown> = {}) =>
  instance.call(name, args, { callId: `c-${Date.now()}`, signal: new AbortController().signal });

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-fs-worker-')));
  mount = join(base, 'mount');
  mkdirSync(mount);
  writeFileSync(join(mount, 'a.txt'), 'inside the mount');
  writeFileSync(join(base, 'canary.txt'), 'canary');
  const bytes = readFileSync(await buildComponent(fixtureDir('hostile')));
  const analysis = await analyzeComponent(bytes, null);
  const cached = await transpileToCache(join(base, 'cache'), analysis.digest, bytes, analysis.world.exports);
  const modules = Object.fromEntries(
    await Promise.all(
      cached.modules.map(async (n) => [n, await WebAssembly.compile(readFileSync(join(cached.dir, n)))] as const),
    ),
  );
  const plan: SandboxPlan = {
    mounts: [{ guestPath: '/sandbox', hostPath: mount, read: true, write: true }],
    denyGlobs: [],
    env: [],
    limits: { memoryBytes: 512 * 1024 * 1024, timeoutMs: TIMEOUT_MS },
  };
  instance = new ComponentInstance({
    componentId: 'hostile',
    glueUrl: cached.glueUrl,
    modules: async () => modules,
    functions: cached.functions,
    plan: () => plan,
    onHostCall: (_callId, op, payload) => {
      if (op === HOST_OPS.used) uses.push(payload as CapabilityUse);
      if (op === HOST_OPS.request) return { decision: 'denied', reason: 'headless' };
      return undefined;
    },
    idleMs: 60_000,
    captureLimit: 4096,
  });
}, 300_000);

afterAll(async () => {
  await instance?.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('wasi:filesystem in the runtime worker', () => {
  it('serves the mount and refuses escapes through the real worker', async () => {
    expect((await call('read-file', { path: 'a.txt' })).outcome).toEqual({ kind: 'ok', value: 'inside the mount' });
    const outside = await call('read-file', { path: '../canary.txt' });
    expect(outside.outcome).toMatchObject({ kind: 'error', payload: 'open: not-permitted' });
    expect((await call('make-symlink', { target: '..', link: 'up' })).outcome).toMatchObject({
      payload: 'symlink: not-permitted',
    });
    await until(() => uses.length >= 3, 2000);
    expect(uses).toContainEqual({ kind: 'storage', target: `fs://${mount}/a.txt`, access: 'read', decision: 'allowed' });
    expect(uses).toContainEqual(
      expect.objectContaining({ kind: 'storage', target: `fs://${base}/canary.txt`, access: 'read', decision: 'denied' }),
    );
  });

  // fds belong to the process: only Node's tracking of a worker's raw fds (trackUnmanagedFds, on by
  // default) closes what a killed guest held. This keeps anyone from losing that unnoticed.
  it('leaves no host fd open after the worker is killed at the deadline', async () => {
    expect((await call('read-file', { path: 'a.txt' })).outcome.kind).toBe('ok');
    // The preopen's directory stays open while the instance lives.
    expect(fdsInMount().length).toBeGreaterThan(0);
    const spin = await call('spin');
    expect(spin.outcome).toMatchObject({ kind: 'timeout' });
    await until(() => fdsInMount().length === 0, 3000);
    expect(fdsInMount()).toEqual([]);
    // And the next call gets a fresh worker that works.
    expect((await call('read-file', { path: 'a.txt' })).outcome).toEqual({ kind: 'ok', value: 'inside the mount' });
  });
});
