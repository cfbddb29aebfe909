import { describe, expect, it } from 'vitest';
import { TOOL_NAME } from '../mcp/tool-table.js';
import { toolNames, toolsForExports } from './tools.js';
import type { ExportedFunction, WitType } from './wit-type.js';

function f(
  iface: string | null,
  name: string,
  result: WitType | null = null,
  params: ExportedFunction['params'] = [],
): ExportedFunction {
  return { interface: iface, name, params, result, docs: '' };
}

describe('toolNames', () => {
  it('uses the WIT name for world functions and prefixes interface functions with the interface name', () => {
    expect(toolNames([f(null, 'fetch-issue'), f('local:notes/search@0.1.0', 'find-notes'), f('tools', 'ping')])).toEqual([
      'fetch-issue',
      'search_find-notes',
      'tools_ping',
    ]);
  });

  it('qualifies colliding interface functions with their package, and then their version, leaving the rest short', () => {
    const fns = [
      f('a:one/search@1.0.0', 'find'),
      f('b:two/search@1.0.0', 'find'),
      f('c:three/search@1.0.0', 'list'),
      f('d:x/util@1.0.0', 'run'),
      f('d:x/util@2.0.0-rc.1', 'run'),
    ];
    expect(toolNames(fns)).toEqual([
      'a_one_search_find',
      'b_two_search_find',
      'search_list',
      'd_x_util_1-0-0_run',
      'd_x_util_2-0-0-rc-1_run',
    ]);
  });

  it('is deterministic and independent of other components', () => {
    const fns = [f('a:one/search', 'find'), f('b:two/search', 'find')];
    expect(toolNames(fns)).toEqual(toolNames([...fns]));
    expect(toolNames(fns)).toEqual(['a_one_search_find', 'b_two_search_find']);
  });

  it('keeps every name valid for MCP, shortening very long ones with a hash', () => {
    const long = 'x'.repeat(150);
    const names = toolNames([
      f(`ns:pkg/${long}@1.0.0`, long),
      f(`ns:pkg/${long}@1.0.0`, `${long}-b`),
      f('ns:pkg/v@1.0.0+build.5', 'g'),
    ]);
    for (const n of names) expect(n).toMatch(TOOL_NAME);
    expect(new Set(names).size).toBe(3);
    expect(names[0]).not.toBe(names[1]);
  });
});

describe('toolsForExports', () => {
  it('describes each callable export with schemas and its export path', () => {
    const fn = f('local:notes/search@0.1.0', 'find-notes', { kind: 'list', element: { kind: 'string' } }, [
      { name: 'query', type: { kind: 'string' } },
    ]);
    const [tool] = toolsForExports([{ ...fn, docs: 'Finds notes.' }], 'notes');
    expect(tool).toEqual({
      name: 'search_find-notes',
      export: 'local:notes/search@0.1.0#find-notes',
      description: 'Finds notes.',
      inputSchema: {
        type: 'object',
        properties: { query: { type: 'string' } },
        required: ['query'],
        additionalProperties: false,
      },
      outputSchema: {
        type: 'object',
        properties: { result: { type: 'array', items: { type: 'string' } } },
        required: ['result'],
        additionalProperties: false,
      },
    });
  });

  it('generates a description when the WIT has no docs', () => {
    expect(toolsForExports([f(null, 'add')], 'adder')[0]?.description).toBe('Calls add of adder.');
    expect(toolsForExports([{ ...f(null, 'add'), docs: '  \n' }])[0]?.description).toBe('Calls add of the component.');
  });

  it('leaves out functions whose types written out in full would be enormous', () => {
    // Each level is a tuple of the level below twice: 2^40 parts once spelled out in a schema.
    let t: WitType = { kind: 'u8' };
    for (let i = 0; i < 40; i++) t = { kind: 'tuple', items: [t, t] };
    const started = Date.now();
    expect(toolsForExports([f(null, 'huge', null, [{ name: 'x', type: t }]), f(null, 'small')]).map((x) => x.name)).toEqual([
      'small',
    ]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('leaves out functions that take or return resources', () => {
    const own: WitType = { kind: 'unsupported', what: 'own<file>' };
    const tools = toolsForExports([f('a:b/files', 'open', own), f('a:b/files', 'size', { kind: 'u64' })]);
    expect(tools.map((t) => t.name)).toEqual(['files_size']);
  });
});
