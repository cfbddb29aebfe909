import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleComponent, tempHome } from '../../test/helpers.js';
import { createWeld, type Weld } from '../engine/weld.js';
import { createApiDispatch } from './registry.js';

let home: string;
let cleanup: () => void;
let weld: Weld;
beforeEach(async () => {
  ({ home, cleanup } = tempHome('weld-grants-api-'));
  weld = await createWeld({ home, env: { HOME: '/home/ann' } });
  weld.store.components.put(sampleComponent());
});
afterEach(async () => {
  await weld.stop();
  cleanup();
});

const dispatch = () =>
  createApiDispatch({ weld, actor: 'gui:ann', shell: 'web', httpUrl: null, launcher: { command: 'weld', args: [] } });

describe('grants and requests in the UI API', () => {
  it('lists what a component asks for and has, and revokes as the UI user', async () => {
    weld.policy.grant({ componentId: 'fetch-notes', kind: 'network', target: 'api.github.com:443', by: 'cli:ann' });
    const api = dispatch();
    const before = (await api('grants.list', { componentId: 'fetch-notes' })) as {
      requested: { granted: boolean }[];
      grants: unknown[];
    };
    expect(before.requested.map((r) => r.granted)).toEqual([false, true, false]);
    expect(before.grants).toMatchObject([
      { kind: 'network', target: 'api.github.com:443', scope: 'always', decidedBy: 'cli:ann' },
    ]);
    const after = (await api('grants.revoke', { componentId: 'fetch-notes', kind: 'network', target: 'api.github.com:443' })) as {
      grants: unknown[];
    };
    expect(after.grants).toEqual([]);
    expect(weld.store.audit.list().at(-1)).toMatchObject({ actor: 'gui:ann', action: 'policy.revoke' });
    await expect(api('grants.list', { componentId: 'ghost' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(
      api('grants.revoke', { componentId: 'fetch-notes', kind: 'network', target: 'a.com', extra: 1 }),
    ).rejects.toMatchObject({
      code: 'bad-input',
    });
  });

  it('shows pending requests and lets the person answer them', async () => {
    const asked = weld.policy.ask({ componentId: 'fetch-notes', kind: 'environment', target: 'GITHUB_TOKEN', by: 'mcp:claude' });
    if (asked.status !== 'pending') throw new Error('expected a pending request');
    const api = dispatch();
    expect(await api('requests.list', {})).toMatchObject([{ id: asked.request.id, origin: 'mcp', suggestedScope: 'always' }]);
    expect(await api('requests.decide', { id: asked.request.id, answer: 'always' })).toMatchObject({ status: 'allowed' });
    expect(await api('requests.list', {})).toEqual([]);
    expect(weld.policy.checker('fetch-notes').env('GITHUB_TOKEN').decision).toBe('allowed');
    await expect(api('requests.decide', { id: asked.request.id, answer: 'deny' })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(api('requests.decide', { id: 'zzzzzz', answer: 'deny' })).rejects.toMatchObject({ code: 'not-found' });
  });
});
