import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileWorld, hostileWasm, hostileWorld, text } from './hostile-engine.js';

/**
 * A grant narrower than a directory (a glob, or one file) still has to be preopened as its directory;
 * the runtime then puts every path to the grants instead of trusting the mount. The hostile fixture
 * reads relative to its first preopen, which here is that directory.
 */
describe('grants narrower than their directory', { timeout: 120_000 }, () => {
  let w: HostileWorld | undefined;
  afterAll(async () => {
    await w?.close();
  });

  const world = async (grant: (base: string) => string) => {
    await w?.close();
    w = await hostileWorld({
      setup: (base) => {
        mkdirSync(join(base, 'data'), { recursive: true });
        writeFileSync(join(base, 'data', 'todo.txt'), 'buy milk');
        writeFileSync(join(base, 'data', 'diary.md'), 'secret thoughts');
      },
      grants: (base) => [{ kind: 'storage', target: grant(base), access: 'read' }],
    });
    return w;
  };

  beforeAll(() => hostileWasm(), 180_000);

  it('a glob grant lets the guest read what matches and nothing else in the directory', async () => {
    const g = await world((base) => `fs://${base}/data/*.txt`);
    expect(text(await g.call('read-file', { path: 'todo.txt' }))).toContain('buy milk');
    const md = await g.call('read-file', { path: 'diary.md' });
    expect(md.isError).toBe(true);
    expect(text(md)).not.toContain('secret thoughts');
    expect(text(await g.call('ok'))).toBe('ok');
  });

  it('a one-file grant does not open the rest of its directory', async () => {
    const g = await world((base) => `fs://${base}/data/todo.txt`);
    expect(text(await g.call('read-file', { path: 'todo.txt' }))).toContain('buy milk');
    const other = await g.call('read-file', { path: 'diary.md' });
    expect(other.isError).toBe(true);
    expect(text(other)).not.toContain('secret thoughts');
  });
});
