import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CANARY_TEXT, Canary, type HostileWorld, hostileWasm, hostileWorld, text } from './hostile-engine.js';

const INSIDE = 'inside the read-only grant';

/**
 * The hostile component gets `<base>/data` read-only and `<base>/data/out` read-write. Its first
 * preopen is `<base>/data`; the canary lives next to it, outside every grant.
 */
describe('filesystem attacks against a read-only grant', { timeout: 120_000 }, () => {
  let w: HostileWorld;
  let data: string;
  let canary: Canary;

  beforeAll(async () => {
    await hostileWasm();
    w = await hostileWorld({
      setup: (base) => {
        mkdirSync(join(base, 'data', 'out'), { recursive: true });
        writeFileSync(join(base, 'data', 'notes.txt'), INSIDE);
      },
      grants: (base) => [
        { kind: 'storage', target: `fs://${base}/data`, access: 'read' },
        { kind: 'storage', target: `fs://${base}/data/out`, access: 'read,write' },
      ],
    });
    data = join(w.base, 'data');
    canary = new Canary(w.base);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  });
  afterEach(async () => {
    // Weld keeps serving after every attack, and the canary outside the grant is untouched.
    const ok = await w.call('ok');
    expect(text(ok)).toBe('ok');
    canary.check();
  });

  /**
   * The note for a write under the read-only mount: the first refusal carries the engine's answer to
   * its request (with the grant command); the instance remembers it, and later ones name the mount.
   */
  function readOnlyNote(): RegExp {
    const d = data.replaceAll('.', '\\.');
    return new RegExp(
      `(fs://${d} \\(write\\) is not granted.* To allow it: weld grant hostile storage fs://${d} --access write|\\(write\\): write not granted on ${d})$`,
    );
  }

  /**
   * Calls `tool` and expects: the guest saw the host's refusal (its error `code`), the result tells the
   * person what Weld denied and `why`, and the call's audit events hold the denial.
   */
  async function refused(tool: string, args: Record<string, unknown>, code: RegExp, why: RegExp) {
    const { result, callId } = await w.traced(tool, args);
    expect(result.isError, text(result)).toBe(true);
    expect(result.content[0].text).toMatch(code);
    expect(result.content.at(-1)?.text).toMatch(/^Weld denied this tool:\n- /);
    expect(result.content.at(-1)?.text).toMatch(why);
    expect(text(result)).not.toContain(CANARY_TEXT);
    const events = w.events(callId);
    expect(events.some((e) => e.decision === 'denied' && e.kind === 'storage')).toBe(true);
    expect(events.filter((e) => e.decision === 'allowed' && e.target.includes('canary'))).toEqual([]);
    return { result, events };
  }

  it('reads a file inside the grant (the baseline the attacks are measured against)', async () => {
    const { result, callId } = await w.traced('read-file', { path: 'notes.txt' });
    expect(text(result)).toBe(INSIDE);
    expect(w.events(callId)).toContainEqual(
      expect.objectContaining({ kind: 'storage', target: `fs://${data}/notes.txt`, access: 'read', decision: 'allowed' }),
    );
  });

  it('denies path traversal with ..', async () => {
    for (const path of ['../canary.txt', 'out/../../canary.txt', './../canary.txt', 'out/../../data/../canary.txt']) {
      await refused('read-file', { path }, /^open: not-permitted$/, /\(read\): \.\. above the directory/);
    }
    await refused('list-dir', { path: '..' }, /^open: not-permitted$/, /\.\. above the directory/);
  });

  it('denies absolute paths, including the canary by its own absolute path', async () => {
    for (const path of ['/etc/hostname', canary.path, `${data}/notes.txt`]) {
      await refused('read-file', { path }, /^open: not-permitted$/, new RegExp(`fs://${path} \\(read\\): absolute path`));
    }
  });

  it('does not follow a symlink inside the grant that points outside it', async () => {
    symlinkSync(canary.path, join(data, 'abs-link'));
    symlinkSync('../canary.txt', join(data, 'rel-link'));
    symlinkSync('..', join(data, 'up'));
    await refused('read-file', { path: 'abs-link' }, /^open: not-permitted$/, /abs-link points to an absolute path/);
    await refused('read-file', { path: 'rel-link' }, /^open: not-permitted$/, /rel-link \(read\): \.\. above the directory/);
    await refused('read-file', { path: 'up/canary.txt' }, /^open: not-permitted$/, /\.\. above the directory/);
    await refused('list-dir', { path: 'up' }, /^open: not-permitted$/, /\.\. above the directory/);
  });

  it('does not write through a symlink in the writable grant that points outside it', async () => {
    symlinkSync(canary.path, join(data, 'out', 'abs-link'));
    symlinkSync('../../canary.txt', join(data, 'out', 'rel-link'));
    await refused('write-file', { path: 'out/abs-link', text: 'pwned' }, /^open: not-permitted$/, /points to an absolute path/);
    await refused('write-file', { path: 'out/rel-link', text: 'pwned' }, /^open: not-permitted$/, /above/);
    // Hard-linking the symlink (link(2) does not follow it) only makes another entry for the same
    // link, which Weld refuses to follow just the same.
    await w.call('make-hardlink', { existing: 'out/abs-link', link: 'out/hard' });
    await refused('write-file', { path: 'out/hard', text: 'pwned' }, /^open: not-permitted$/, /points to an absolute path/);
    await refused('read-file', { path: 'out/hard' }, /^open: not-permitted$/, /points to an absolute path/);
  });

  it('refuses to let the guest create symlinks, even ones that stay inside', async () => {
    for (const target of [canary.path, '../../canary.txt', 'notes.txt'])
      await refused('make-symlink', { target, link: 'out/link' }, /^symlink: not-permitted$/, /guests may not create symlinks/);
    expect(existsSync(join(data, 'out', 'link'))).toBe(false);
  });

  it('refuses write, create, remove and rename under the read-only grant', async () => {
    const readOnly = readOnlyNote();
    await refused('write-file', { path: 'notes.txt', text: 'overwritten' }, /^open: read-only$/, readOnly);
    await refused('write-file', { path: 'new.txt', text: 'created' }, /^open: read-only$/, readOnly);
    await refused('remove-file', { path: 'notes.txt' }, /^unlink: read-only$/, readOnly);
    await refused('rename', { 'old-path': 'notes.txt', 'new-path': 'renamed.txt' }, /^rename: read-only$/, readOnly);
    expect(readFileSync(join(data, 'notes.txt'), 'utf8')).toBe(INSIDE);
    expect(existsSync(join(data, 'new.txt'))).toBe(false);
    expect(existsSync(join(data, 'renamed.txt'))).toBe(false);
  });

  it('writes under the nested read-write grant (so the refusals above are the grant, not a broken guest)', async () => {
    const r = await w.call('write-file', { path: 'out/written.txt', text: 'allowed' });
    expect(r.isError, text(r)).toBeFalsy();
    expect(readFileSync(join(data, 'out', 'written.txt'), 'utf8')).toBe('allowed');
  });

  it('refuses to rename a file out of the writable grant', async () => {
    writeFileSync(join(data, 'out', 'leaving.txt'), 'stays');
    await refused('rename', { 'old-path': 'out/leaving.txt', 'new-path': '../escaped.txt' }, /^rename: not-permitted$/, /above/);
    await refused('rename', { 'old-path': 'out/leaving.txt', 'new-path': canary.path }, /^rename: not-permitted$/, /absolute/);
    expect(readFileSync(join(data, 'out', 'leaving.txt'), 'utf8')).toBe('stays');
    expect(existsSync(join(w.base, 'escaped.txt'))).toBe(false);
  });

  it('refuses a hard link or rename that would carry a read-only file into the writable grant', async () => {
    const readOnly = readOnlyNote();
    await refused('make-hardlink', { existing: 'notes.txt', link: 'out/stolen.txt' }, /^link: read-only$/, readOnly);
    await refused('rename', { 'old-path': 'notes.txt', 'new-path': 'out/stolen.txt' }, /^rename: read-only$/, readOnly);
    expect(existsSync(join(data, 'out', 'stolen.txt'))).toBe(false);
    // Had the link been made, writing through it would change the read-only original.
    await w.call('write-file', { path: 'out/stolen.txt', text: 'changed through a link' });
    expect(readFileSync(join(data, 'notes.txt'), 'utf8')).toBe(INSIDE);
  });

  it('never reads outside the grant while a directory is swapped for a symlink during reads', async () => {
    // <data>/sub flips between a real directory and a symlink to <base>/outside, whose file is a canary.
    const outside = join(w.base, 'outside');
    mkdirSync(outside);
    const outsideCanary = new Canary(outside, 'f.txt');
    mkdirSync(join(data, 'real'));
    writeFileSync(join(data, 'real', 'f.txt'), INSIDE);
    symlinkSync(outside, join(data, 'evil'));
    renameSync(join(data, 'real'), join(data, 'sub'));
    // [0]: stop flag, [1]: completed swap cycles. Shared, so the test can see the race is live.
    const shared = new Int32Array(new SharedArrayBuffer(8));
    const swapper = new Worker(
      `const { renameSync } = require('node:fs');
       const { workerData: d, parentPort } = require('node:worker_threads');
       const shared = new Int32Array(d.shared);
       // Bounded by a generous safety limit only; the test stops it once its reads are done.
       for (let first = true, end = Date.now() + 120000; Date.now() < end && Atomics.load(shared, 0) === 0; first = false) {
         renameSync(d.sub, d.real); renameSync(d.evil, d.sub);
         renameSync(d.sub, d.evil); renameSync(d.real, d.sub);
         Atomics.add(shared, 1, 1);
         if (first) parentPort.postMessage('swapping');
       }
       parentPort.postMessage('stopped');`,
      {
        eval: true,
        workerData: { shared: shared.buffer, sub: join(data, 'sub'), real: join(data, 'real'), evil: join(data, 'evil') },
      },
    );
    const stopped = new Promise<void>((resolve, reject) => {
      swapper.on('message', (m) => m === 'stopped' && resolve());
      swapper.once('error', reject);
    });
    // Barrier: no read starts before the swapper is running (on a loaded machine a thread can take
    // longer to start than all the reads take).
    await new Promise<void>((resolve, reject) => {
      swapper.on('message', (m) => m === 'swapping' && resolve());
      swapper.once('error', reject);
    });
    const swapsBefore = Atomics.load(shared, 1);
    const seen = new Map<string, number>();
    // At least 150 reads, and on until one has found the real directory (bounded), all while swapping.
    for (let i = 0; i < 3000 && (i < 150 || !seen.has(`ok:${INSIDE}`)); i++) {
      const r = await w.call('read-file', { path: 'sub/f.txt' });
      const t = r.isError ? r.content[0].text : `ok:${text(r)}`;
      expect(text(r)).not.toContain(CANARY_TEXT);
      seen.set(t, (seen.get(t) ?? 0) + 1);
    }
    const swapsDuring = Atomics.load(shared, 1) - swapsBefore;
    Atomics.store(shared, 0, 1);
    await stopped;
    await swapper.terminate();
    // The race really ran while the reads did.
    expect(swapsDuring).toBeGreaterThan(0);
    for (const t of seen.keys()) expect(t).not.toContain(CANARY_TEXT);
    // Some reads found the real directory, so the reads were not all refused for some other reason.
    expect(seen.get(`ok:${INSIDE}`) ?? 0).toBeGreaterThan(0);
    // Otherwise only error codes: whatever state a read caught the swap in, it got no bytes from outside.
    for (const t of seen.keys()) expect(t).toMatch(/^(ok:inside the read-only grant|(open|read): [a-z-]+)$/);
    outsideCanary.check();
  });
});

/**
 * A grant of a whole folder that happens to hold Weld's own data dir, with a policy deny rule inside
 * it: the data dir (database, secrets, tokens) and the denied subtree stay out of reach.
 */
describe("deny rules and Weld's own data inside a granted folder", { timeout: 120_000 }, () => {
  let w: HostileWorld;
  let canary: Canary;

  beforeAll(async () => {
    await hostileWasm();
    w = await hostileWorld({
      setup: (base) => {
        mkdirSync(join(base, 'private'));
        writeFileSync(join(base, 'private', 'key.txt'), CANARY_TEXT);
        writeFileSync(join(base, 'public.txt'), 'public');
      },
      policy: (base) => `version: "1.0"
permissions:
  storage:
    deny:
      - uri: "fs://${base}/private/**"
        access: [read, write]
`,
      grants: (base) => [{ kind: 'storage', target: `fs://${base}`, access: 'read,write' }],
    });
    canary = new Canary(join(w.base, 'private'), 'canary.txt');
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  });
  afterEach(async () => {
    expect(text(await w.call('ok'))).toBe('ok');
    canary.check();
  });

  it('reads a file the grant covers (the baseline)', async () => {
    expect(text(await w.call('read-file', { path: 'public.txt' }))).toBe('public');
  });

  it('a deny rule wins over the grant around it, for reads, listings and writes', async () => {
    for (const [tool, args] of [
      ['read-file', { path: 'private/key.txt' }],
      ['read-file', { path: 'private/canary.txt' }],
      ['list-dir', { path: 'private' }],
      ['write-file', { path: 'private/canary.txt', text: 'overwritten' }],
      ['rename', { 'old-path': 'private', 'new-path': 'moved' }],
    ] as const) {
      const r = await w.call(tool, args);
      expect(r.isError, `${tool} ${JSON.stringify(args)}: ${text(r)}`).toBe(true);
      expect(r.content[0].text).toMatch(/^(open|rename): (access|not-permitted)$/);
      expect(text(r)).toMatch(/deny rule/);
      expect(text(r)).not.toContain(CANARY_TEXT);
    }
    expect(existsSync(join(w.base, 'moved'))).toBe(false);
  });

  it("Weld's own data dir cannot be read, listed or written even though the grant contains it", async () => {
    for (const [tool, args] of [
      ['read-file', { path: 'home/weld.db' }],
      ['list-dir', { path: 'home' }],
      ['write-file', { path: 'home/weld.db', text: 'corrupted' }],
      ['remove-file', { path: 'home/weld.db' }],
    ] as const) {
      const r = await w.call(tool, args);
      expect(r.isError, `${tool} ${JSON.stringify(args)}: ${text(r)}`).toBe(true);
      expect(text(r)).toMatch(/deny rule/);
    }
    expect(existsSync(join(w.home, 'weld.db'))).toBe(true);
    expect(w.weld.store.audit.verify().ok).toBe(true);
  });
});

describe('a grant of the whole file system (fs:///)', { timeout: 120_000 }, () => {
  let w: HostileWorld;

  beforeAll(async () => {
    await hostileWasm();
    w = await hostileWorld({
      setup: (base) => {
        mkdirSync(join(base, 'docs'));
        writeFileSync(join(base, 'docs', 'note.txt'), 'under the root grant');
      },
      grants: () => [{ kind: 'storage', target: 'fs:///', access: 'read' }],
    });
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  });

  it('reads and lists paths under it, and audits each as its canonical path', async () => {
    const rel = `${w.base.slice(1)}/docs`;
    const read = await w.traced('read-file', { path: `${rel}/note.txt` });
    expect(read.result.isError, text(read.result)).toBeFalsy();
    expect(text(read.result)).toBe('under the root grant');
    const listed = await w.call('list-dir', { path: rel });
    expect(listed.isError, text(listed)).toBeFalsy();
    expect(text(listed)).toContain('note.txt');
    const targets = w.events(read.callId).map((e) => `${e.decision} ${e.target}`);
    expect(targets).toEqual([`allowed fs://${w.base}/docs/note.txt`]);
    expect(targets.join()).not.toContain('fs:////');
  });

  it("still keeps Weld's data dir and writes out of reach", async () => {
    const db = await w.call('read-file', { path: `${w.home.slice(1)}/weld.db` });
    expect(db.isError).toBe(true);
    const write = await w.call('write-file', { path: `${w.base.slice(1)}/docs/new.txt`, text: 'x' });
    expect(write.isError).toBe(true);
    expect(existsSync(join(w.base, 'docs', 'new.txt'))).toBe(false);
  });
});
