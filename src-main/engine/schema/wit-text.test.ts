import { componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';
import { describe, expect, it } from 'vitest';
import { describeComponentBinary } from './component-types.js';
import { ECHO_WIT, echoComponent } from './testing/echo-component.js';
import { describeWit } from './wit-describe.js';
import { parseWit } from './wit-text.js';
import { exportPath } from './wit-type.js';

describe('parseWit', () => {
  it('keeps doc comments of packages, interfaces, types, items, functions and parameters', () => {
    const [pkg] = parseWit(`
      /// The package.
      package a:b@1.0.0;

      /** The interface,
       *  on two lines. */
      interface i {
        /// A record.
        record r {
          /// Field one.
          one: u8, // not a doc comment
          two: list<string>,
        }
        //// four slashes: an ordinary comment
        /// Flags.
        flags f { /// Read.
          read, write }
        /// Does f.
        f: func(
          /// The input.
          x: r,
        ) -> option<f>;
      }`);
    expect(pkg?.name).toBe('a:b@1.0.0');
    expect(pkg?.docs).toBe('The package.');
    const iface = pkg!.interfaces[0]!;
    expect(iface.docs).toBe('The interface,\non two lines.');
    expect(iface.types[0]).toMatchObject({
      kind: 'record',
      docs: 'A record.',
      fields: [{ name: 'one', docs: 'Field one.' }, { name: 'two' }],
    });
    expect(iface.types[0]?.kind === 'record' && iface.types[0].fields[1]?.docs).toBeUndefined();
    expect(iface.types[1]).toMatchObject({
      kind: 'flags',
      docs: 'Flags.',
      flags: [{ name: 'read', docs: 'Read.' }, { name: 'write' }],
    });
    expect(iface.funcs[0]).toEqual({
      name: 'f',
      docs: 'Does f.',
      params: [{ name: 'x', type: { kind: 'name', name: 'r' }, docs: 'The input.' }],
      result: { kind: 'option', some: { kind: 'name', name: 'f' } },
    });
  });

  it('reads nested packages, versioned uses, gates, resources and includes', () => {
    const pkgs = parseWit(`
      package a:app;
      world w {
        @since(version = 0.2.0)
        import wasi:io/streams@0.2.3;
        include other;
        export run: func() -> result<_, string>;
        export tools: interface {
          use wasi:io/streams@0.2.3.{input-stream as is};
          read: func(s: borrow<is>, n: u64) -> result<list<u8, 4>>;
        }
      }
      world other { import %type: func(); }
      package wasi:io@0.2.3 {
        interface streams {
          resource input-stream {
            constructor(x: u32);
            /// Reads.
            read: func(len: u64) -> list<u8>;
            make: static func() -> input-stream;
          }
        }
      }`);
    expect(pkgs.map((p) => p.name)).toEqual(['a:app', 'wasi:io@0.2.3']);
    const w = pkgs[0]!.worlds[0]!;
    expect(w.imports).toEqual([{ kind: 'path', path: 'wasi:io/streams@0.2.3' }]);
    expect(w.includes).toEqual(['other']);
    expect(pkgs[0]!.worlds[1]!.imports[0]).toMatchObject({ kind: 'func', func: { name: 'type' } });
    const tools = w.exports[1];
    expect(tools?.kind === 'interface' && tools.body.uses).toEqual([
      { path: 'wasi:io/streams@0.2.3', names: [{ name: 'input-stream', as: 'is' }] },
    ]);
    expect(tools?.kind === 'interface' && tools.body.funcs[0]?.result).toEqual({
      kind: 'result',
      ok: { kind: 'list', element: { kind: 'name', name: 'u8' }, length: 4 },
      err: null,
    });
    const res = pkgs[1]!.interfaces[0]!.types[0]!;
    expect(res.kind === 'resource' && res.funcs.map((f) => f.name)).toEqual([
      '[constructor]input-stream',
      '[method]input-stream.read',
      '[static]input-stream.make',
    ]);
  });

  it('points at the line and column of a syntax error', () => {
    expect(() => parseWit('package a:b;\ninterface i {\n  f: func(x: u8;\n}')).toThrow(
      /expected "\)", found ";" at line 3, column 16/,
    );
    expect(() => parseWit('package a:b;\nworld w { export f: func() -> ; }')).toThrow(/expected a name, found ";" at line 2/);
    expect(() => parseWit('package a:b;\n/* never closed')).toThrow(/unterminated block comment at line 2/);
    expect(() => parseWit('interface i { f: func() -> u8 }')).toThrow(/expected ";"/);
  });
});

describe('describeWit', () => {
  it('describes the same functions and types as the component binary, plus docs', async () => {
    const fromText = describeWit(ECHO_WIT);
    const fromBinary = describeComponentBinary(await echoComponent());
    const withoutDocs = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'docs' ? undefined : v)));
    const sorted = (fns: typeof fromText.exports) => [...fns].sort((a, b) => exportPath(a).localeCompare(exportPath(b)));
    expect(withoutDocs(sorted(fromText.exports))).toEqual(withoutDocs(sorted(fromBinary.exports)));
    expect(fromText.world).toBe('echo');
    expect(fromText.exports.find((f) => f.name === 'divide')?.docs).toBe('Divides a by b.');
    expect(fromText.exports.find((f) => f.name === 'nearest')?.interface).toBe('local:echo/api@0.1.0');
  });

  it('reads componentWit output for world-level types', async () => {
    const bytes = await echoComponent();
    const wit = await componentWit(bytes);
    // componentWit prints `use local:echo/types...` without the package that defines it.
    expect(() => describeWit(wit)).toThrow(/no definition of local:echo\/types@0\.1\.0 .*describe the component from its bytes/);
    const simple = describeWit('package root:component;\nworld root {\n  record p { x: u8 }\n  export f: func(a: p) -> p;\n}\n');
    expect(simple.exports[0]?.params[0]?.type).toEqual({
      kind: 'record',
      name: 'p',
      fields: [{ name: 'x', type: { kind: 'u8' } }],
    });
  });

  it('follows type aliases, includes and uses across interfaces, and marks resources unsupported', () => {
    const d = describeWit(`
      package a:b@2.0.0;
      interface types { type id = u64; resource conn; }
      interface api {
        use types.{id, conn};
        get: func(i: id) -> option<id>;
        open: func() -> conn;
      }
      world base { export api; }
      world root { include base; import log: func(msg: string); }`);
    expect(d.world).toBe('root');
    expect(d.imports).toEqual(['log']);
    expect(d.exports.map(exportPath)).toEqual(['a:b/api@2.0.0#get', 'a:b/api@2.0.0#open']);
    expect(d.exports[0]?.result).toEqual({ kind: 'option', some: { kind: 'u64' } });
    expect(d.exports[1]?.result).toEqual({ kind: 'unsupported', what: 'own<conn>' });
  });

  it('explains what is missing', () => {
    expect(() => describeWit('package a:b;\nworld w { export f: func(x: nope); }')).toThrow(
      /type nope is not defined in the world/,
    );
    expect(() => describeWit('package a:b;\nworld x {}\nworld y {}')).toThrow(/several worlds \(x, y\)/);
    expect(() => describeWit('package a:b;\ninterface i {}')).toThrow(/defines no world/);
  });
});
