import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { describe, expect, it } from 'vitest';
import { COMPONENT_HEADER, encodeU32 } from './binary-reader.js';
import { describeComponentBinary } from './component-types.js';
import { echoComponent } from './testing/echo-component.js';

const POINT = {
  kind: 'record',
  name: 'point',
  owner: 'local:echo/types@0.1.0',
  fields: [
    { name: 'x', type: { kind: 's32' } },
    { name: 'y', type: { kind: 's32' } },
    { name: 'label', type: { kind: 'string' } },
  ],
};

/** A component with no code behind its exports: enough to test what its types say. */
async function typesOnly(wit: string, world: string): Promise<Uint8Array> {
  return componentNew(await componentEmbed({ witSource: wit, dummy: true, world }));
}

describe('describeComponentBinary', () => {
  it('reads world functions with full record, variant, flags and result types', async () => {
    const d = describeComponentBinary(await echoComponent());
    const byName = new Map(d.exports.map((f) => [f.name, f]));
    expect(byName.get('echo-point')).toEqual({
      interface: null,
      name: 'echo-point',
      params: [{ name: 'p', type: POINT }],
      result: POINT,
      docs: '',
    });
    expect(byName.get('echo-shape')?.params[0]?.type).toEqual({
      kind: 'variant',
      name: 'shape',
      owner: 'local:echo/types@0.1.0',
      cases: [
        { name: 'circle', type: { kind: 'f64' } },
        { name: 'rect', type: POINT },
        { name: 'dot', type: null },
      ],
    });
    expect(byName.get('echo-perms')?.result).toMatchObject({
      kind: 'flags',
      flags: [{ name: 'read' }, { name: 'write' }, { name: 'exec-all' }],
    });
    expect(byName.get('echo-color')?.result).toMatchObject({
      kind: 'enum',
      cases: [{ name: 'red' }, { name: 'green' }, { name: 'dark-blue' }],
    });
    expect(byName.get('echo-opt')?.result).toEqual({ kind: 'option', some: { kind: 'option', some: { kind: 'string' } } });
    expect(byName.get('echo-tuple')?.result).toEqual({ kind: 'tuple', items: [{ kind: 'u8' }, { kind: 'string' }] });
    expect(byName.get('divide')?.result).toEqual({ kind: 'result', ok: { kind: 's32' }, err: { kind: 'string' } });
    expect(byName.get('log')?.result).toBeNull();
    expect(byName.get('crash')?.params).toEqual([]);
  });

  it('reads the functions of an exported interface, which componentWit does not print', async () => {
    const d = describeComponentBinary(await echoComponent());
    expect(d.exports.find((f) => f.interface !== null)).toEqual({
      interface: 'local:echo/api@0.1.0',
      name: 'nearest',
      params: [
        { name: 'points', type: { kind: 'list', element: POINT } },
        { name: 'limit', type: { kind: 'option', some: { kind: 'u32' } } },
      ],
      result: { kind: 'list', element: POINT },
      docs: '',
    });
  });

  it('lists imported interfaces and functions but not types', async () => {
    const d = describeComponentBinary(await echoComponent());
    expect(d.imports).toContain('local:echo/host-api@0.1.0');
    expect(d.imports).toContain('host-divide');
    expect(d.imports).not.toContain('point');
  });

  it('reads inline interface exports and marks resources as unsupported', async () => {
    const bytes = await typesOnly(
      `package a:b;
      interface files {
        resource file { read: func() -> string; }
        open: func(path: string) -> file;
        size: func(f: borrow<file>) -> u64;
      }
      world w {
        export files;
        export tools: interface { ping: func(n: s64) -> s64; }
      }`,
      'w',
    );
    const d = describeComponentBinary(bytes);
    expect(d.exports.map((f) => `${f.interface}#${f.name}`)).toEqual(['a:b/files#open', 'a:b/files#size', 'tools#ping']);
    expect(d.exports[0]?.result).toEqual({ kind: 'unsupported', what: 'own<file>' });
    expect(d.exports[1]?.params[0]?.type).toEqual({ kind: 'unsupported', what: 'borrow<file>' });
    expect(d.exports[2]?.params[0]?.type).toEqual({ kind: 's64' });
  });

  it('marks WASI 0.3 async functions, whose glue returns a promise', async () => {
    const wit = 'package a:b;\nworld w { export f: async func(x: u32) -> string; export g: func(); }';
    const bytes = await componentNew(await componentEmbed({ witSource: wit, dummy: true, world: 'w', features: { tag: 'all' } }));
    expect(describeComponentBinary(bytes).exports.map((f) => [f.name, f.async])).toEqual([
      ['f', true],
      ['g', undefined],
    ]);
  });

  it('reads the tiny hand-written WAT component', async () => {
    const bytes = await parse(`(component
      (core module $m (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
      (core instance $i (instantiate $m))
      (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
      (export "add" (func $add)))`);
    expect(describeComponentBinary(bytes)).toEqual({
      world: 'root',
      imports: [],
      exports: [
        {
          interface: null,
          name: 'add',
          params: [
            { name: 'a', type: { kind: 'u32' } },
            { name: 'b', type: { kind: 'u32' } },
          ],
          result: { kind: 'u32' },
          docs: '',
        },
      ],
    });
  });

  it('refuses bytes that are not a component, and truncated components, with a clear error', async () => {
    expect(() => describeComponentBinary(new TextEncoder().encode('hello world'))).toThrow(/not a WebAssembly component/);
    const core = await parse('(module)');
    expect(() => describeComponentBinary(core)).toThrow(/not a WebAssembly component/);
    const whole = await echoComponent();
    expect(() => describeComponentBinary(whole.subarray(0, whole.length - 7))).toThrow(/unexpected end of data/);
  });

  it('stops on crafted components instead of recursing or looping without end', async () => {
    // Instance types nested 150 deep: each level would be one more recursive call.
    let body = [0x42, 0x00];
    for (let i = 0; i < 150; i++) body = [0x42, 0x01, 0x01, ...body];
    const section = [0x01, ...body];
    const deep = new Uint8Array([...COMPONENT_HEADER, 0x07, ...encodeU32(section.length), ...section]);
    expect(() => describeComponentBinary(deep)).toThrow(/types nested too deeply/);

    // Components that each instantiate the one inside 20 times: 20^8 instantiations if followed naively.
    let inner = '(type (record (field "a" u8)))';
    for (let i = 0; i < 8; i++) {
      inner = `(component $c${i} ${inner})${Array.from({ length: 20 }, () => `(instance (instantiate $c${i}))`).join('')}`;
    }
    const bomb = await parse(`(component ${inner})`);
    const started = Date.now();
    expect(() => describeComponentBinary(bomb)).toThrow(/too complex to describe/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
