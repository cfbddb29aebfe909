import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/engine/log.js';
import { resolveSource } from '../../src-main/engine/runtime/sources.js';
import { createWeld, type Weld } from '../../src-main/engine/weld.js';
import { buildComponent, exampleDir } from '../fixtures/build.js';
import { tempHome } from '../helpers.js';

/** A relative `fs://./data/**` request means the component's own workspace, and granting it works. */
describe('component workspace', { timeout: 120_000 }, () => {
  const home = tempHome();
  let weld: Weld;
  beforeAll(async () => {
    weld = await createWeld({ home: home.home, logger: silentLogger });
    const src = await resolveSource(await buildComponent(exampleDir('read-file')), {
      registry: weld.registry,
      policyPath: join(exampleDir('read-file'), 'policy.yaml'),
    });
    await weld.install(src, { id: 'reader', actor: 'test' });
    weld.policy.approveRequested('reader', 'test');
  }, 180_000);
  afterAll(async () => {
    await weld.stop();
    home.cleanup();
  });

  it('reads a file in its own workspace once the request is approved, and nothing else of the data dir', async () => {
    const workspace = join(home.home, 'workspaces', 'reader', 'data');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, 'hello.txt'), 'hi from the workspace');
    const r = await weld.dispatcher.call({ tool: 'read-file', args: { path: 'hello.txt' }, client: 'test' });
    expect(r.content[0].text, JSON.stringify(r)).toBe('hi from the workspace');
    const db = await weld.dispatcher.call({ tool: 'read-file', args: { path: '../../../weld.db' }, client: 'test' });
    expect(db.isError).toBe(true);
  });
});
