import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/engine/log.js';
import { CallError } from '../../src-main/engine/mcp/dispatch.js';
import { resolveSource } from '../../src-main/engine/runtime/sources.js';
import { createWeld, type Weld } from '../../src-main/engine/weld.js';
import { coreModule, limitsComponent } from '../fixtures/wat-components.js';
import { tempHome } from '../helpers.js';

const MEMORY_LIMIT = 16 * 1024 * 1024;
const TIMEOUT = 1500;

describe('component runtime', () => {
  let home: ReturnType<typeof tempHome>;
  let weld: Weld;
  let wasm: string;

  beforeEach(async () => {
    home = tempHome();
    weld = await createWeld({
      home: home.home,
      logger: silentLogger,
      defaultLimits: { memoryBytes: MEMORY_LIMIT, timeoutMs: TIMEOUT },
    });
    wasm = join(home.home, 'limits.wasm');
    writeFileSync(wasm, await limitsComponent());
  });
  afterEach(async () => {
    await weld.stop();
    home.cleanup();
  });

  const install = async (path = wasm) => weld.install(await resolveSource(path, { registry: weld.registry }), { actor: 'test' });
  const call = (tool: string, args: Record<string, unknown> = {}) => weld.dispatcher.call({ tool, args, client: 'test' });

  it('installs a component file and serves its exports as tools with schemas from the WIT', async () => {
    const { record } = await install();
    expect(record.id).toBe('limits');
    expect(record.tools.map((t) => t.name).sort()).toEqual(['add', 'boom', 'grow-memory', 'spin']);
    const add = weld.tools.get('add');
    expect(add?.inputSchema).toMatchObject({
      type: 'object',
      required: ['a', 'b'],
      properties: { a: { type: 'integer', minimum: 0, maximum: 4294967295 } },
    });
    const result = await call('add', { a: 2, b: 40 });
    expect(result.isError).toBeFalsy();
    expect(result.content[0].text).toBe('42');
  });

  it('rejects bad arguments with the field name, before the guest runs', async () => {
    await install();
    await expect(call('add', { a: -1, b: 2 })).rejects.toThrow(/field "a"/);
    await expect(call('add', { a: 1 })).rejects.toThrow(CallError);
    await expect(call('add', { a: 1 })).rejects.toThrow(/missing required field "b"/);
  });

  it('stops an infinite loop at the deadline, and the next call works', async () => {
    await install();
    const started = Date.now();
    const spin = await call('spin');
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT - 5);
    expect(spin.isError).toBe(true);
    expect(spin.content[0].text).toMatch(/timed out after 1500 ms/);
    expect((await call('add', { a: 1, b: 1 })).content[0].text).toBe('2');
  });

  it('answers many calls in flight at once, each with its own result', async () => {
    await install();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => call('add', { a: i, b: 1000 })));
    expect(results.map((r) => r.content[0].text)).toEqual(Array.from({ length: 40 }, (_, i) => String(i + 1000)));
  });

  it('calls waiting behind a runaway guest run on a fresh instance once it is stopped', async () => {
    await install();
    const spin = call('spin');
    const queued = [call('add', { a: 1, b: 2 }), call('add', { a: 3, b: 4 })];
    expect((await spin).content[0].text).toMatch(/timed out/);
    expect((await Promise.all(queued)).map((r) => r.content[0].text)).toEqual(['3', '7']);
  });

  it('a cancelled call waiting behind a runaway guest ends at once; the runaway still meets its deadline', async () => {
    await install();
    const started = Date.now();
    const spin = call('spin');
    const abort = new AbortController();
    const queued = weld.dispatcher.call({ tool: 'add', args: { a: 1, b: 2 }, client: 'test', signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    const cancelled = await queued;
    expect(Date.now() - started).toBeLessThan(TIMEOUT);
    expect(cancelled.isError).toBe(true);
    expect(cancelled.content[0].text).toMatch(/cancelled/);
    expect((await spin).content[0].text).toMatch(/timed out/);
    expect((await call('add', { a: 5, b: 5 })).content[0].text).toBe('10');
  });

  it('caps guest memory at the limit: growth is refused at exactly the cap and the host lives', async () => {
    await install();
    const result = await call('grow-memory');
    expect(result.content[0].text).toBe(String(MEMORY_LIMIT / 65536));
  });

  it('a trap is an error result; the instance is rebuilt for the next call', async () => {
    await install();
    const boom = await call('boom');
    expect(boom.isError).toBe(true);
    expect(boom.content[0].text).toMatch(/unreachable/);
    expect((await call('add', { a: 3, b: 4 })).content[0].text).toBe('7');
  });

  it('refuses core modules, truncated files and non-wasm files with a clear reason', async () => {
    const core = join(home.home, 'core.wasm');
    writeFileSync(core, await coreModule());
    await expect(install(core)).rejects.toThrow(/core WebAssembly module, not a component/);
    const truncated = join(home.home, 'cut.wasm');
    writeFileSync(truncated, (await limitsComponent()).subarray(0, 60));
    await expect(install(truncated)).rejects.toThrow(/truncated/);
    const text = join(home.home, 'notes.wasm');
    writeFileSync(text, 'hello world');
    await expect(install(text)).rejects.toThrow(/not a WebAssembly file/);
    expect(weld.store.components.list()).toEqual([]);
  });

  it('reinstalling the same digest changes nothing; remove drops tools and cache', async () => {
    const first = await install();
    const started = performance.now();
    const again = await install();
    expect(again.unchanged).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    const cacheRoot = join(home.home, 'cache', 'components');
    expect(readdirSync(cacheRoot)).toHaveLength(1);
    weld.remove(first.record.id, 'test');
    expect(weld.tools.has('add')).toBe(false);
    expect(existsSync(join(cacheRoot, first.record.digest.slice(7)))).toBe(false);
    await expect(call('add', { a: 1, b: 1 })).rejects.toThrow(/Unknown tool/);
  });

  it('loads installed components again when the engine restarts', async () => {
    await install();
    await weld.stop();
    weld = await createWeld({ home: home.home, logger: silentLogger });
    expect((await call('add', { a: 20, b: 22 })).content[0].text).toBe('42');
  });
});
