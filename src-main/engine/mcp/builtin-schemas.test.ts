import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempHome } from '../../../test/helpers.js';
import { silentLogger } from '../log.js';
import { createWeld, type Weld } from '../weld.js';

// The tool table compiles argument schemas without the meta-schema check (tool-table.ts): this is where a
// malformed built-in schema is caught, against draft-07 in full, before a client's call would hit it.
describe("Weld's built-in tools", () => {
  let home: ReturnType<typeof tempHome>;
  let weld: Weld;
  beforeEach(async () => {
    home = tempHome();
    weld = await createWeld({ home: home.home, logger: silentLogger });
  });
  afterEach(async () => {
    await weld.stop();
    home.cleanup();
  });

  it('each declare an input schema that is valid draft-07', () => {
    const builtins = weld.tools.list().filter((t) => t.componentId === null);
    expect(builtins.length).toBeGreaterThan(5);
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const t of builtins) {
      expect(ajv.validateSchema(t.inputSchema), `${t.name}: ${ajv.errorsText()}`).toBe(true);
      expect(() => ajv.compile(t.inputSchema), t.name).not.toThrow();
    }
  });
});
