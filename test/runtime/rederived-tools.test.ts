import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/engine/log.js';
import { resolveSource } from '../../src-main/engine/runtime/sources.js';
import type { ToolDescriptor } from '../../src-main/engine/store/components.js';
import { createWeld, type Weld } from '../../src-main/engine/weld.js';
import { buildComponent, fixtureDir } from '../fixtures/build.js';
import { resultText } from '../helpers.js';

/**
 * Components installed by an older Weld, whose stored tools follow its naming rule
 * (`<interface>_<function>`) and filler descriptions, are served under the current rules once this
 * Weld loads them, without a reinstall; the store follows, and a client hears of tools that change.
 */
describe('tools of components installed by an older Weld', { timeout: 240_000 }, () => {
  let base: string;
  let home: string;
  let weld: Weld | undefined;
  let client: Client;
  let listChanged = 0;

  const open = () => createWeld({ home, logger: silentLogger, env: { HOME: join(base, 'user') } });
  /** What Weld stored before the naming change: the interface's short name, `_`, the function. */
  const olderWeld = (t: ToolDescriptor): ToolDescriptor => ({
    ...t,
    name: t.export.includes('#') ? `time_${t.name}` : `${t.name}_tool`,
    description: `Calls ${t.export} of the component.`,
  });

  beforeAll(async () => {
    const wasm = await Promise.all(['iface-clock', 'config-weather'].map((d) => buildComponent(fixtureDir(d))));
    base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-rederive-')));
    home = join(base, 'home');
    mkdirSync(home);
    const first = await open();
    for (const [i, id] of ['time-server', 'get-weather'].entries()) {
      const src = await resolveSource(wasm[i]!, { registry: first.registry });
      const { record } = await first.install({ ...src, name: `${id}.wasm` }, { actor: 'test' });
      first.store.components.put({ ...record, tools: record.tools.map(olderWeld) });
    }
    // get-weather is disabled across the upgrade; it is enabled again while a client is connected.
    first.store.components.setEnabled('get-weather', false);
    await first.stop();

    weld = await open();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await weld.createMcpServer().connect(serverSide);
    client = new Client({ name: 'rederive-test', version: '1.0.0' });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      listChanged += 1;
    });
    await client.connect(clientSide);
  }, 240_000);
  afterAll(async () => {
    await client?.close();
    await weld?.stop();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('serves them under the current names and descriptions at start, and records those', async () => {
    const { tools } = await client.listTools();
    const time = tools.find((t) => t.name === 'get-current-time');
    expect(time?.description).toMatch(/^Calls get-current-time \(interface fixture:clock\/time\)\. Takes no arguments/);
    expect(tools.some((t) => t.name.includes('_'))).toBe(false);
    expect(weld!.store.components.get('time-server')!.tools.map((t) => [t.name, t.description])).toEqual([
      ['get-current-time', time!.description],
    ]);
    const r = await client.callTool({ name: 'get-current-time', arguments: {} });
    expect(Date.parse(resultText(r))).not.toBeNaN();
  });

  it('announces the renamed tools of a component enabled while a client is connected', async () => {
    const before = listChanged;
    weld!.store.components.setEnabled('get-weather', true);
    weld!.runtime.load(weld!.store.components.get('get-weather')!);
    await expect.poll(() => listChanged, { timeout: 10_000 }).toBeGreaterThan(before);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('get-weather');
    expect(names).not.toContain('get-weather_tool');
    expect(weld!.store.components.get('get-weather')!.tools[0]!.name).toBe('get-weather');
  });
});
