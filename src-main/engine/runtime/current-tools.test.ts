import { describe, expect, it } from 'vitest';
import type { ExportedFunction } from '../schema/index.js';
import type { ToolDescriptor } from '../store/components.js';
import { currentTools } from './current-tools.js';

const now: ExportedFunction = {
  interface: 'local:time-server/time',
  name: 'get-current-time',
  params: [],
  result: { kind: 'string' },
  docs: '',
};
const zone: ExportedFunction = { ...now, name: 'get-zone', docs: 'The local time zone.' };

/** A descriptor as an older Weld stored it. */
const old = (fn: ExportedFunction, name: string): ToolDescriptor => ({
  name,
  export: `${fn.interface}#${fn.name}`,
  description: `Calls ${fn.interface}#${fn.name} of time-server-js.wasm.`,
  inputSchema: { type: 'object' },
});

describe('tools of an installed component under the current rules', () => {
  it('renames tools named by an older rule and rewrites filler descriptions', () => {
    const tools = currentTools('time', [old(now, 'time_get-current-time'), old(zone, 'time_get-zone')], [now, zone], () => false);
    expect(tools.map((t) => t.name)).toEqual(['get-current-time', 'get-zone']);
    expect(tools[0]!.description).toMatch(/^Calls get-current-time \(interface local:time-server\/time\)\. Takes no arguments/);
    expect(tools[1]!.description).toBe('The local time zone.');
    expect(tools[0]!.inputSchema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', required: [] });
  });

  it('keeps a collision name given at install, even when the plain name is free now', () => {
    const tools = currentTools('time', [old(now, 'time-get-current-time'), old(zone, 'get-zone')], [now, zone], () => false);
    expect(tools.map((t) => t.name)).toEqual(['time-get-current-time', 'get-zone']);
  });

  it('gives a renamed tool the collision name when another component holds the plain one', () => {
    const taken = new Set(['get-current-time']);
    const tools = currentTools('time', [old(now, 'time_get-current-time')], [now], (n) => taken.has(n));
    expect(tools.map((t) => t.name)).toEqual(['time-get-current-time']);
  });
});
