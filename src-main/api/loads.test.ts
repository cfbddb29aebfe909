import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../test/api.js';
import { addComponent } from '../../test/wasm-fixture.js';

let t: TestApi;
beforeEach(async () => {
  t = await startTestApi();
});
afterEach(() => t.stop());

describe('components a client asked to load, from the window', () => {
  it('lists the request, installs on Install, and refuses a second answer', async () => {
    const file = join(t.home, 'calc.wasm');
    writeFileSync(file, await addComponent('ui-load'));
    const { request } = t.weld.loads.request(pathToFileURL(file).href, 'mcp:claude-ai/1.0');
    expect(await t.call('loads.list', {})).toEqual([
      expect.objectContaining({ id: request.id, componentId: 'calc', replaces: null, requestedBy: 'mcp:claude-ai/1.0' }),
    ]);
    expect(await t.call('loads.decide', { requestId: request.id, answer: 'allow' })).toEqual({
      id: request.id,
      status: 'allowed',
      componentId: 'calc',
    });
    expect((await t.call('components.list', {})).map((c) => c.id)).toEqual(['calc']);
    expect(await t.call('loads.list', {})).toEqual([]);
    await expect(t.call('loads.decide', { requestId: request.id, answer: 'deny' })).rejects.toThrow(
      /already allowed by user:web-ui/,
    );
  });

  it('says why when an allowed load cannot be installed, and installs nothing', async () => {
    const { request } = t.weld.loads.request('file:///dev/zero', 'mcp:x');
    await expect(t.call('loads.decide', { requestId: request.id, answer: 'allow' })).rejects.toThrow(/not a regular file/);
    expect(await t.call('components.list', {})).toEqual([]);
    expect(t.weld.store.audit.list().map((a) => a.action)).toContain('component.load-failed');
  });
});
