import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src-main/engine/log.js';
import type { InstallSource } from '../src-main/engine/runtime/install.js';
import { createWeld, type Weld } from '../src-main/engine/weld.js';
import { resultText, tempHome } from './helpers.js';
import { addComponent } from './wasm-fixture.js';

let weld: Weld;
let cleanup: () => void;

beforeEach(async () => {
  const t = tempHome('weld-atomic-');
  cleanup = t.cleanup;
  weld = await createWeld({ home: t.home, logger: silentLogger });
});
afterEach(async () => {
  await weld.stop();
  cleanup();
});

const source = async (variant: string): Promise<InstallSource> => ({
  bytes: await addComponent(variant),
  sourceRef: `file:///tmp/${variant}/calc.wasm`,
  name: 'calc.wasm',
  policyYaml: null,
  signatureStatus: 'local',
  publisher: null,
});

const add = () => weld.dispatcher.call({ tool: 'add', args: { a: 2, b: 3 }, client: 'test' });

describe('install and update are atomic', { timeout: 60_000 }, () => {
  it('keeps the previous version installed and serving when an update fails part-way', async () => {
    const v1 = await weld.install(await source('atomic-v1'));
    expect(resultText(await add())).toBe('5');

    // The new version fails once its record is stored, at the point where the runtime takes it up.
    const load = weld.runtime.load.bind(weld.runtime);
    weld.runtime.load = (record) => {
      if (record.digest !== v1.record.digest) throw new Error('the worker could not start');
      load(record);
    };
    await expect(weld.install(await source('atomic-v2'))).rejects.toThrow(/could not start/);

    expect(weld.store.components.get('calc')?.digest).toBe(v1.record.digest);
    expect(weld.tools.has('add')).toBe(true);
    expect(resultText(await add())).toBe('5');
    expect(weld.store.audit.list().filter((a) => a.action === 'component.updated')).toEqual([]);

    // Once the fault is gone, the same update goes through.
    weld.runtime.load = load;
    const v2 = await weld.install(await source('atomic-v2'));
    expect(v2.replaced?.digest).toBe(v1.record.digest);
    expect(resultText(await add())).toBe('5');
  });

  it('leaves nothing behind when a first install fails part-way', async () => {
    weld.runtime.load = () => {
      throw new Error('the worker could not start');
    };
    await expect(weld.install(await source('atomic-first'))).rejects.toThrow(/could not start/);
    expect(weld.store.components.list()).toEqual([]);
    expect(weld.tools.has('add')).toBe(false);
  });
});
