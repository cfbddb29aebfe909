import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startTestApi, type TestApi } from '../../test/api.js';

describe('component sources, from the window', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await startTestApi();
  });
  afterEach(() => t.stop());

  it('marks and unmarks a folder by its real path, each change in the audit log', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'weld-build-'));
    onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
    expect((await t.call('settings.get', {})).componentSources).toEqual([]);
    expect(await t.call('settings.setComponentSource', { folder: `${folder}/`, trusted: true })).toEqual({
      componentSources: [realpathSync(folder)],
    });
    expect((await t.call('settings.get', {})).componentSources).toEqual([realpathSync(folder)]);
    expect(await t.call('settings.setComponentSource', { folder: realpathSync(folder), trusted: false })).toEqual({
      componentSources: [],
    });
    const changes = (await t.call('audit.list', { action: 'settings.changed' })).map((e) => [e.actor, e.detail]);
    expect(changes).toEqual(
      expect.arrayContaining([
        ['user:web-ui', { folder: realpathSync(folder), componentSource: true }],
        ['user:web-ui', { folder: realpathSync(folder), componentSource: false }],
      ]),
    );
  });

  it('refuses the root, the data dir and a relative path as bad input, and changes nothing', async () => {
    for (const folder of ['/', t.home, 'build']) {
      await expect(t.call('settings.setComponentSource', { folder, trusted: true }), folder).rejects.toMatchObject({
        code: 'bad-input',
      });
    }
    await expect(t.call('settings.setComponentSource', { folder: '/nowhere', trusted: false })).rejects.toMatchObject({
      code: 'bad-input',
    });
    expect((await t.call('settings.get', {})).componentSources).toEqual([]);
  });
});
