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
  it('uses the plain WIT name for world and interface functions alike', () => {
    expect(toolNames([f(null, 'fetch-issue'), f('local:notes/search@0.1.0', 'find-notes'), f('tools', 'ping')])).toEqual([
      'fetch-issue',
      'find-notes',
      'ping',
    ]);
  });

  it('prefixes an interface function with its interface only when a world function has its name', () => {
    expect(
      toolNames([f(null, 'get-time'), f('local:time/clock@1.0.0', 'get-time'), f('local:time/clock@1.0.0', 'zone')]),
    ).toEqual(['get-time', 'clock-get-time', 'zone']);
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
      'a-one-search-find',
      'b-two-search-find',
      'list',
      'd-x-util-1-0-0-run',
      'd-x-util-2-0-0-rc-1-run',
    ]);
  });

  it('is deterministic and independent of other components', () => {
    const fns = [f('a:one/search', 'find'), f('b:two/search', 'find')];
    expect(toolNames(fns)).toEqual(toolNames([...fns]));
    expect(toolNames(fns)).toEqual(['a-one-search-find', 'b-two-search-find']);
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

  it('numbers names that stay equal after every qualification, and never uses another separator', () => {
    const names = toolNames([f('a:b/c@1.0.0', 'run'), f('a:b/c@1.0-0', 'run'), f(null, 'c-run')]);
    expect(names).toEqual(['a-b-c-1-0-0-run', 'a-b-c-1-0-0-run-2', 'c-run']);
    for (const n of names) expect(n).not.toContain('_');
  });
});

describe('toolsForExports', () => {
  it('describes each callable export with schemas and its export path', () => {
    const fn = f('local:notes/search@0.1.0', 'find-notes', { kind: 'list', element: { kind: 'string' } }, [
      { name: 'query', type: { kind: 'string' } },
    ]);
    const [tool] = toolsForExports([{ ...fn, docs: 'Finds notes.' }]);
    expect(tool).toEqual({
      name: 'find-notes',
      export: 'local:notes/search@0.1.0#find-notes',
      description: 'Finds notes.',
      inputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { query: { type: 'string' } },
        required: ['query'],
        additionalProperties: false,
      },
      outputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { result: { type: 'array', items: { type: 'string' } } },
        required: ['result'],
        additionalProperties: false,
      },
    });
  });

  it('describes an undocumented function by its signature in words, naming no file or id', () => {
    const s32 = { kind: 's32' } as const;
    const add = f(null, 'add', s32, [
      { name: 'a', type: s32 },
      { name: 'b', type: s32 },
    ]);
    expect(toolsForExports([add])[0]?.description).toBe(
      'Calls add. Takes a: an integer (32-bit); b: an integer (32-bit). Returns an integer (32-bit).',
    );
    const now = f(
      'local:time-server/time',
      'get-current-time',
      { kind: 'result', ok: { kind: 'string' }, err: { kind: 'string' } },
      [{ name: 'timezone-offset-minutes', type: { kind: 'option', some: s32 } }],
    );
    expect(toolsForExports([{ ...now, docs: '  \n' }])[0]?.description).toBe(
      'Calls get-current-time (interface local:time-server/time). Takes timezone-offset-minutes (optional): an integer (32-bit). Returns a string; on failure, an error result with a string.',
    );
    expect(toolsForExports([f(null, 'ping')])[0]?.description).toBe('Calls ping. Takes no arguments. Returns nothing.');
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
    expect(tools.map((t) => t.name)).toEqual(['size']);
  });
});
