import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeComponent } from '../src-main/engine/schema/describe.js';
import { runWeld, tempHome } from './helpers.js';

let home: string;
let cleanup: () => void;
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

describe('tool authoring', () => {
  it('scaffolds a TypeScript tool whose WIT doc comment will be its description', async () => {
    const dir = join(home, 'hello');
    const r = await runWeld(['new', 'hello', '--dir', dir], home);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'wit/world.wit'), 'utf8')).toMatch(/\/\/\/ Greet someone by name/);
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toMatch(/export function greet\(name: string\): string/);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).devDependencies).toHaveProperty(
      '@bytecodealliance/componentize-js',
    );
    expect(existsSync(join(dir, 'policy.yaml'))).toBe(true);
  });

  it('refuses an invalid tool name and a non-empty target directory', async () => {
    const bad = await runWeld(['new', 'Hello_World', '--dir', join(home, 'x')], home);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a valid tool name/);
    writeFileSync(join(home, 'keep.txt'), 'mine');
    const occupied = await runWeld(['new', 'hello', '--dir', home], home);
    expect(occupied.code).toBe(1);
    expect(occupied.stderr).toMatch(/not empty/);
    expect(readFileSync(join(home, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('reports a JavaScript syntax error with file and line, not a stack dump', async () => {
    const dir = join(home, 'broken');
    await runWeld(['new', 'broken', '--lang', 'js', '--dir', dir], home);
    writeFileSync(join(dir, 'src/index.js'), 'export function greet(name) {\n  return name +* 1;\n}\n');
    const r = await runWeld(['build', dir], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("src/index.js:2: SyntaxError: Unexpected token '*'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a TypeScript syntax error with file, line and column', async () => {
    const dir = join(home, 'broken-ts');
    await runWeld(['new', 'broken-ts', '--dir', dir], home);
    writeFileSync(join(dir, 'src/index.ts'), 'export function greet(name: string): string {\n  return name +* 1;\n}\n');
    const r = await runWeld(['build', dir], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('src/index.ts:2:16: Expression expected.');
  });

  it('builds a scaffolded TypeScript tool into a component', async () => {
    const dir = join(home, 'greeter');
    await runWeld(['new', 'greeter', '--dir', dir], home);
    // componentize-js takes 6-20 s, more on a loaded 2-core machine.
    const r = await runWeld(['build', dir], home, { timeoutMs: 110_000 });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const wasm = readFileSync(join(dir, 'build/greeter.wasm'));
    expect([...wasm.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
    // componentize-js drops WIT doc comments; the build puts them back for the tool description.
    const [greet] = describeComponent(wasm).exports;
    expect(greet?.docs).toMatch(/^Greet someone by name\./);
    expect(greet?.params[0]?.docs).toBe('Who to greet.');
  }, 120_000);
});
