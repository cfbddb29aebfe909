import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src-preload/api.js';
import { sampleComponent, tempHome } from '../../test/helpers.js';
import { silentLogger } from '../engine/log.js';
import type { CallRow } from '../engine/store/calls.js';
import { openStore } from '../engine/store/index.js';
import { createWeld, type Weld } from '../engine/weld.js';
import { createApiEventStream } from './event-stream.js';

let home: string;
let cleanup: () => void;
let weld: Weld;
beforeEach(async () => {
  ({ home, cleanup } = tempHome());
  weld = await createWeld({ home, logger: silentLogger });
});
afterEach(async () => {
  await weld.stop();
  cleanup();
});

const call = (id: string, startedAt: number): CallRow => ({
  id,
  componentId: null,
  tool: 'list-components',
  client: 'other/1',
  argsSize: 2,
  argsHash: 'h',
  status: 'ok',
  startedAt,
  durationUs: 10,
  error: null,
  output: null,
});

async function collectFor(ms: number, stream: ReturnType<typeof createApiEventStream>, act: () => void | Promise<void>) {
  const got: ApiEvent[] = [];
  const off = stream.subscribe((e) => got.push(e));
  await act();
  await new Promise((r) => setTimeout(r, ms));
  off();
  return got;
}

describe('UI event stream', () => {
  it('reports a slow call from another process even when a later-started call was written first', async () => {
    const stream = createApiEventStream(weld, { pollMs: 20 });
    const got = await collectFor(200, stream, () => {
      const other = openStore(join(home, 'weld.db'));
      other.recorder.call(call('quick', Date.now()));
      other.recorder.flush();
      other.recorder.call(call('slow-started-earlier', Date.now() - 60_000));
      other.close();
    });
    stream.close();
    expect(got.filter((e) => e.name === 'call.finished').map((e) => e.name === 'call.finished' && e.payload.callId)).toEqual([
      'quick',
      'slow-started-earlier',
    ]);
  });

  it('reports an in-process call once, not again when its row reaches the database', async () => {
    const stream = createApiEventStream(weld, { pollMs: 20 });
    const got = await collectFor(200, stream, async () => {
      await weld.dispatcher.call({ tool: 'list-components', args: {}, client: 'me/1' });
      weld.store.recorder.flush();
    });
    stream.close();
    expect(got.map((e) => e.name)).toEqual(['call.started', 'call.finished']);
  });

  it('reports a component installed by another process', async () => {
    const stream = createApiEventStream(weld, { pollMs: 20 });
    const got = await collectFor(200, stream, () => {
      const other = openStore(join(home, 'weld.db'));
      other.components.put(sampleComponent());
      other.close();
    });
    stream.close();
    expect(got).toEqual([{ name: 'components.changed', payload: { componentId: 'fetch-notes', change: 'installed' } }]);
  });
});
