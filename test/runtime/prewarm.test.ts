import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src-main/engine/log.js';
import { resolveSource } from '../../src-main/engine/runtime/sources.js';
import { createWeld } from '../../src-main/engine/weld.js';
import { limitsComponent } from '../fixtures/wat-components.js';
import { tempHome } from '../helpers.js';

describe('a server that prewarms its components', () => {
  let home: ReturnType<typeof tempHome>;

  beforeEach(async () => {
    home = tempHome();
    const weld = await createWeld({ home: home.home, logger: createLogger({ write: () => {}, level: 'warn' }) });
    const wasm = join(home.home, 'limits.wasm');
    writeFileSync(wasm, await limitsComponent());
    await weld.install(await resolveSource(wasm, { registry: weld.registry }), { actor: 'test' });
    await weld.stop();
  });
  afterEach(() => home.cleanup());

  it('still starts when a component cannot be compiled, logs which one, and its first call says why', async () => {
    // A damaged cache entry (disk error, partial copy): the core module is no longer WebAssembly.
    const [digestDir] = readdirSync(join(home.home, 'cache', 'components'));
    const dir = join(home.home, 'cache', 'components', digestDir);
    const core = readdirSync(dir).find((f) => f.endsWith('.core.wasm'));
    writeFileSync(join(dir, core as string), 'not wasm');

    const logged: string[] = [];
    const weld = await createWeld({
      home: home.home,
      prewarm: true,
      logger: createLogger({ write: (line) => logged.push(line), level: 'warn' }),
    });
    try {
      expect(logged.join('')).toMatch(/component not prewarmed.*limits/);
      const result = await weld.dispatcher.call({ tool: 'add', args: { a: 2, b: 40 }, client: 'test' });
      expect(result.isError).toBe(true);
      expect(result.content[0].text).toMatch(/WebAssembly|compile/i);
      // The engine itself keeps serving: its built-in tools answer.
      expect(weld.tools.list().some((t) => t.componentId === null)).toBe(true);
    } finally {
      await weld.stop();
    }
  });
});
