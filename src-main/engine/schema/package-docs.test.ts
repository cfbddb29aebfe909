import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { componentEmbed, componentNew, componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';
import { afterAll, describe, expect, it } from 'vitest';
import { buildComponent, exampleDir } from '../../../test/fixtures/build.js';
import { componentSections, customSection, encodeCustomSection } from './binary-reader.js';
import { componentWitText } from './component-wit.js';
import { describeComponent } from './describe.js';
import {
  encodePackageMetadata,
  PACKAGE_DOCS_SECTION,
  readPackageDocs,
  WELD_DOCS_SECTION,
  withCustomSections,
} from './package-docs.js';
import { ECHO_WIT, echoComponent } from './testing/echo-component.js';
import { toolsForExports } from './tools.js';
import { embedPackageDocs } from './wit-docs.js';

const tmp = mkdtempSync(join(tmpdir(), 'weld-docs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function witDir(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  for (const [file, text] of Object.entries(files)) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return dir;
}

function sectionNames(bytes: Uint8Array): string[] {
  return componentSections(bytes)
    .filter((s) => s.id === 0)
    .map((s) => customSection(bytes, s).name);
}

async function documentedEcho(): Promise<Uint8Array> {
  return embedPackageDocs(await echoComponent(), witDir('echo', { 'echo.wit': ECHO_WIT }));
}

describe('embedPackageDocs', () => {
  it('puts doc comments back so they become tool, parameter and field descriptions', async () => {
    const d = describeComponent(await documentedEcho());
    expect(d.world).toBe('echo');
    const byName = new Map(d.exports.map((f) => [f.name, f]));
    expect(byName.get('echo-u64')?.docs).toBe('Returns its argument.');
    expect(byName.get('nearest')?.docs).toBe('Returns the points nearest the origin.');
    expect(byName.get('echo-shape')?.params[0]?.type).toMatchObject({
      kind: 'variant',
      docs: 'A shape to draw.',
      cases: [
        { name: 'circle', docs: 'A circle of this radius.' },
        { name: 'rect', type: { docs: 'A point on the plane.' } },
        { name: 'dot' },
      ],
    });
    const tools = toolsForExports(d.exports);
    const nearest = tools.find((t) => t.name === 'nearest')!;
    expect(nearest.description).toBe('Returns the points nearest the origin.');
    expect(JSON.stringify(nearest.inputSchema)).toContain('Horizontal position.');
    expect(tools.find((t) => t.name === 'echo-s64')?.description).toBe(
      'Calls echo-s64. Takes x: an integer (64-bit; as a decimal string beyond ±2^53). Returns an integer (64-bit; as a decimal string beyond ±2^53).',
    );
  });

  it('keeps the component readable by wasm-tools, which now shows the world docs', async () => {
    const wit = await componentWit(await documentedEcho());
    expect(wit).toContain('/// Echoes values through the host.\nworld root {');
    expect(wit).toContain('  /// Returns its argument.\n  export echo-u64: func(x: u64) -> u64;');
  });

  it('replaces the sections of an earlier run instead of adding more', async () => {
    const once = await documentedEcho();
    const twice = embedPackageDocs(once, witDir('echo2', { 'echo.wit': ECHO_WIT.replace('Returns its argument.', 'Echoes x.') }));
    const names = sectionNames(twice);
    expect(names.filter((n) => n === PACKAGE_DOCS_SECTION)).toHaveLength(1);
    expect(names.filter((n) => n === WELD_DOCS_SECTION)).toHaveLength(1);
    expect(describeComponent(twice).exports.find((f) => f.name === 'echo-u64')?.docs).toBe('Echoes x.');
  });

  it('carries parameter doc comments, which the standard format has no place for, as @param lines', async () => {
    const wit = `package local:greet@0.1.0;
      /// The greeter.
      world greeter {
        /// Greet someone by name.
        export greet: func(
          /// Who to greet.
          name: string,
        ) -> string;
      }`;
    const bytes = await componentNew(await componentEmbed({ witSource: wit, dummy: true, world: 'greeter' }));
    const documented = embedPackageDocs(bytes, witDir('greet', { 'world.wit': wit }));
    const [greet] = describeComponent(documented).exports;
    expect(greet?.docs).toBe('Greet someone by name.');
    expect(greet?.params[0]?.docs).toBe('Who to greet.');
    const [tool] = toolsForExports(describeComponent(documented).exports);
    expect((tool!.inputSchema.properties as Record<string, { description: string }>).name!.description).toBe('Who to greet.');
  });

  it('reads a WIT folder with several files of one package and ignores deps/', async () => {
    const dir = witDir('multi', {
      'a.wit': 'package local:multi@1.0.0;\n/// Tools.\ninterface tools {\n  /// Pings.\n  ping: func() -> string;\n}\n',
      'b.wit': 'package local:multi@1.0.0;\nworld w {\n  export tools;\n}\n',
      'deps/other/x.wit': 'package other:x;\ninterface y { /// Not ours.\n f: func(); }\n',
    });
    const wit = 'package local:multi@1.0.0;\ninterface tools { ping: func() -> string; }\nworld w { export tools; }';
    const bytes = embedPackageDocs(await componentNew(await componentEmbed({ witSource: wit, dummy: true, world: 'w' })), dir);
    expect(readPackageDocs(bytes)).toEqual({
      package: 'local:multi@1.0.0',
      metadata: { interfaces: { tools: { docs: 'Tools.', funcs: { ping: 'Pings.' } } } },
    });
  });

  it('leaves a component without doc comments unchanged', async () => {
    const plain = await echoComponent();
    const dir = witDir('plain', { 'echo.wit': ECHO_WIT.replace(/^\s*\/\/\/.*$/gm, '') });
    expect(embedPackageDocs(plain, dir)).toBe(plain);
  });

  it('reports WIT it cannot read with the file and position', async () => {
    const dir = witDir('bad', { 'world.wit': 'package a:b;\nworld w {\n  export f: func(x: ) ;\n}\n' });
    expect(() => embedPackageDocs(new Uint8Array(), dir)).toThrow(/world\.wit: expected a name, found "\)" at line 3/);
  });
});

describe('readPackageDocs', () => {
  it('reads a standard section written by other tools (root world convention)', async () => {
    const metadata = { docs: 'Pkg.', worlds: { root: { funcs: { divide: 'Divides.' } } } };
    const bytes = withCustomSections(await echoComponent(), [
      { name: PACKAGE_DOCS_SECTION, data: encodePackageMetadata(metadata) },
    ]);
    expect(readPackageDocs(bytes)).toEqual({ package: null, metadata });
    expect(describeComponent(bytes).exports.find((f) => f.name === 'divide')?.docs).toBe('Divides.');
  });

  it('prints the WIT of a component whose package-docs names its source world, which wasm-tools refuses', async () => {
    const metadata = { worlds: { echo: { funcs: { divide: 'Divides.' } } } };
    const bytes = withCustomSections(await echoComponent(), [
      { name: PACKAGE_DOCS_SECTION, data: encodePackageMetadata(metadata) },
    ]);
    await expect(componentWit(bytes)).rejects.toThrow(/missing world "echo"/);
    expect(await componentWitText(bytes)).toContain('export divide: func(a: s32, b: s32) -> result<s32, string>;');
    // The docs still reach the tools: Weld reads either convention.
    expect(describeComponent(bytes).exports.find((f) => f.name === 'divide')?.docs).toBe('Divides.');
  });

  it('uses interface docs of a source-package section only when the interface matches what they document', async () => {
    const fits = { interfaces: { api: { funcs: { nearest: 'Nearest.' } } } };
    const other = { interfaces: { api: { funcs: { nearest: 'Nearest.', farthest: 'Not in this component.' } } } };
    for (const [metadata, expected] of [
      [fits, 'Nearest.'],
      [other, ''],
    ] as const) {
      const bytes = withCustomSections(await echoComponent(), [
        { name: PACKAGE_DOCS_SECTION, data: encodePackageMetadata(metadata) },
      ]);
      expect(describeComponent(bytes).exports.find((f) => f.name === 'nearest')?.docs).toBe(expected);
    }
  });

  it('applies Weld docs only to interfaces of the documented package', async () => {
    const docs = { package: 'other:pkg@0.1.0', metadata: { interfaces: { api: { funcs: { nearest: 'Wrong package.' } } } } };
    const bytes = withCustomSections(await echoComponent(), [
      { name: WELD_DOCS_SECTION, data: new TextEncoder().encode(JSON.stringify(docs)) },
    ]);
    expect(describeComponent(bytes).exports.find((f) => f.name === 'nearest')?.docs).toBe('');
  });

  it('returns null without docs and refuses a malformed section with a clear error', async () => {
    const plain = await echoComponent();
    expect(readPackageDocs(plain)).toBeNull();
    const junk = (data: number[]) => Buffer.concat([plain, encodeCustomSection(PACKAGE_DOCS_SECTION, new Uint8Array(data))]);
    expect(() => readPackageDocs(junk([7, 123, 125]))).toThrow(/unsupported format version 7/);
    expect(() => readPackageDocs(junk([0, 123]))).toThrow(/package-docs: not valid JSON/);
    expect(() => readPackageDocs(junk([0, ...new TextEncoder().encode('{"worlds": 5}')]))).toThrow(/package-docs: .* at worlds/);
    // Describing the component still works: docs are not needed to call it.
    const described = describeComponent(junk([0, 123]));
    expect(described.exports.length).toBeGreaterThan(0);
    expect(described.warnings).toEqual([expect.stringMatching(/^doc comments not read: package-docs: not valid JSON/)]);
  });

  it('reads the docs of an example built with componentize-js', async () => {
    const bytes = readFileSync(await buildComponent(exampleDir('add'), { disableFeatures: ['http'] }));
    const [add] = describeComponent(bytes).exports;
    expect(add?.docs).toBe('Add two signed 32-bit integers and return the sum.');
    expect(toolsForExports(describeComponent(bytes).exports)[0]?.description).toBe(
      'Add two signed 32-bit integers and return the sum.',
    );
  }, 120_000);
});
