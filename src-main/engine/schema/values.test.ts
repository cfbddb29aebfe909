import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeComponentBinary } from './component-types.js';
import { inputSchema, outputSchema } from './json-schema.js';
import { resolveExport } from './resolve-export.js';
import { echoComponent, echoHost, instantiateTranspiled } from './testing/echo-component.js';
import { ArgumentError, classifyGuestError, fromGuestResult, structuredContent, toGuestArgs } from './values.js';
import type { ExportedFunction } from './wit-type.js';

const ajv = new Ajv2020({ allErrors: true, strict: false });

let fns: Map<string, ExportedFunction>;
let instance: Record<string, unknown>;
const hostLog: string[] = [];

beforeAll(async () => {
  const bytes = await echoComponent();
  fns = new Map(describeComponentBinary(bytes).exports.map((f) => [f.name, f]));
  instance = await instantiateTranspiled(bytes, echoHost(hostLog));
}, 60_000);

function fn(name: string): ExportedFunction {
  const f = fns.get(name);
  if (!f) throw new Error(`no export ${name}`);
  return f;
}

/** A tool call the way the runtime makes it: schema check, JSON -> glue, call, glue -> JSON. */
function call(name: string, args: Record<string, unknown>): unknown {
  const f = fn(name);
  expect(ajv.validate(inputSchema(f), args), JSON.stringify(ajv.errors)).toBe(true);
  const value = resolveExport(instance, f)(...toGuestArgs(f, args));
  const json = fromGuestResult(f, value);
  const out = outputSchema(f);
  if (out) expect(ajv.validate(out, structuredContent(f, json)), JSON.stringify(ajv.errors)).toBe(true);
  // Whatever comes back must survive the JSON-RPC response unchanged.
  expect(JSON.parse(JSON.stringify(json ?? null))).toEqual(json ?? null);
  return json;
}

function callFailing(name: string, args: Record<string, unknown>) {
  const f = fn(name);
  try {
    resolveExport(instance, f)(...toGuestArgs(f, args));
  } catch (e) {
    return classifyGuestError(f, e);
  }
  throw new Error(`${name} did not throw`);
}

describe('values round trip through a transpiled component', () => {
  it('keeps u64 and s64 exact across their full range', () => {
    expect(call('echo-u64', { x: 42 })).toBe(42);
    expect(call('echo-u64', { x: '18446744073709551615' })).toBe('18446744073709551615');
    expect(call('echo-u64', { x: '9007199254740993' })).toBe('9007199254740993');
    expect(call('echo-u64', { x: '9007199254740991' })).toBe(9007199254740991);
    expect(call('echo-s64', { x: '-9223372036854775808' })).toBe('-9223372036854775808');
    expect(call('echo-s64', { x: -5 })).toBe(-5);
  });

  it('carries small integers, chars and floats; floats are plain numbers going in', () => {
    expect(call('echo-s8', { x: -128 })).toBe(-128);
    expect(call('echo-char', { c: '😀' })).toBe('😀');
    expect(call('echo-f64', { x: 1.5 })).toBe(1.5);
    expect(() => toGuestArgs(fn('echo-f64'), { x: 'NaN' })).toThrow('x: expected a number, got "NaN"');
  });

  it('carries records with kebab-case fields', () => {
    expect(call('echo-point', { p: { x: 1, y: -2, label: 'hi' } })).toEqual({ x: 1, y: -2, label: 'hi' });
    expect(call('echo-kebab', { r: { 'first-name': 'Ada', 'is-admin': true } })).toEqual({
      'first-name': 'Ada',
      'is-admin': true,
    });
  });

  it('carries every case of a variant, enums and flags', () => {
    expect(call('echo-shape', { s: { tag: 'circle', val: 2.5 } })).toEqual({ tag: 'circle', val: 2.5 });
    expect(call('echo-shape', { s: { tag: 'rect', val: { x: 1, y: 2, label: 'r' } } })).toEqual({
      tag: 'rect',
      val: { x: 1, y: 2, label: 'r' },
    });
    expect(call('echo-shape', { s: { tag: 'dot' } })).toEqual({ tag: 'dot' });
    expect(call('echo-color', { c: 'dark-blue' })).toBe('dark-blue');
    expect(call('echo-perms', { p: ['exec-all', 'read'] })).toEqual(['read', 'exec-all']);
    expect(call('echo-perms', { p: [] })).toEqual([]);
  });

  it('carries options (nested ones tagged), bytes, tuples and result parameters', () => {
    expect(call('echo-opt', { o: { tag: 'none' } })).toEqual({ tag: 'none' });
    expect(call('echo-opt', { o: { tag: 'some', val: null } })).toEqual({ tag: 'some', val: null });
    expect(call('echo-opt', { o: { tag: 'some', val: 'x' } })).toEqual({ tag: 'some', val: 'x' });
    expect(call('echo-bytes', { b: 'AAEC/w==' })).toBe('AAEC/w==');
    expect(call('echo-bytes', { b: '' })).toBe('');
    expect(call('echo-tuple', { t: [7, 'seven'] })).toEqual([7, 'seven']);
    expect(call('echo-result', { r: { ok: 3 } })).toBe(3);
  });

  it('calls functions of an exported interface', () => {
    const points = [
      { x: 5, y: 5, label: 'far' },
      { x: 1, y: 0, label: 'near' },
    ];
    expect(call('nearest', { points, limit: 1 })).toEqual([{ x: 1, y: 0, label: 'near' }]);
    expect(call('nearest', { points, limit: null })).toHaveLength(2);
    // An option left out is none.
    expect(call('nearest', { points })).toHaveLength(2);
  });

  it('returns null for a function without a result, after running it', () => {
    expect(call('log', { msg: 'hello' })).toBeNull();
    expect(hostLog).toContain('hello');
  });

  it("turns a result's err into an error payload, not a trap", () => {
    expect(call('divide', { a: 7, b: 2 })).toBe(3);
    expect(callFailing('divide', { a: 1, b: 0 })).toEqual({ isError: true, payload: 'division by zero' });
    expect(callFailing('echo-result', { r: { err: 'bad' } })).toEqual({ isError: true, payload: 'bad' });
  });

  it('reports a wasm trap as a trap', async () => {
    // A trap poisons the instance, so this test gets its own.
    const own = await instantiateTranspiled(await echoComponent(), echoHost());
    const f = fn('crash');
    let thrown: unknown;
    try {
      resolveExport(own, f)();
    } catch (e) {
      thrown = e;
    }
    const failure = classifyGuestError(f, thrown);
    expect(failure.isError).toBe(false);
    expect(!failure.isError && failure.trap.message).toMatch(/unreachable/);
  });
});

describe('toGuestArgs', () => {
  const bad = (name: string, args: Record<string, unknown>) => () => toGuestArgs(fn(name), args);

  it('names the parameter and path of a value that does not fit', () => {
    expect(bad('echo-point', { p: { x: '1', y: 0, label: '' } })).toThrow(
      /^p\.x: expected an integer from -2147483648 to 2147483647, got "1"$/,
    );
    expect(bad('echo-s8', { x: 128 })).toThrow(/x: expected an integer from -128 to 127/);
    expect(
      bad('nearest', {
        points: [
          { x: 1, y: 1, label: 'a' },
          { x: 1, y: 1 },
        ],
        limit: null,
      }),
    ).toThrow(/points\[1\]: missing property "label"/);
    expect(bad('echo-shape', { s: { tag: 'square' } })).toThrow(/s\.tag: expected one of circle, rect, dot/);
    expect(bad('echo-shape', { s: { tag: 'dot', val: 1 } })).toThrow(/unexpected property "val"/);
  });

  it('is reported as an error result, not a trap, when caught around the call', () => {
    const f = fn('divide');
    let thrown: unknown;
    try {
      resolveExport(instance, f)(...toGuestArgs(f, { a: 1, b: 'two' }));
    } catch (e) {
      thrown = e;
    }
    expect(classifyGuestError(f, thrown)).toEqual({
      isError: true,
      payload: 'b: expected an integer from -2147483648 to 2147483647, got "two"',
    });
  });

  it('refuses missing and unknown arguments', () => {
    expect(bad('divide', { a: 1 })).toThrow(/missing property "b"/);
    expect(bad('divide', { a: 1, b: 2, c: 3 })).toThrow(/unexpected property "c"/);
    expect(() => toGuestArgs(fn('divide'), null as unknown as Record<string, unknown>)).toThrow(ArgumentError);
  });

  it('checks what JSON Schema cannot: 64-bit bounds, lone surrogates, repeated flags', () => {
    expect(bad('echo-u64', { x: '18446744073709551616' })).toThrow(/a u64 from 0 to 18446744073709551615/);
    expect(bad('echo-u64', { x: 2 ** 60 })).toThrow(/safe integer/);
    expect(bad('echo-s64', { x: '9223372036854775808' })).toThrow(/s64/);
    expect(bad('echo-char', { c: '\ud800' })).toThrow(/single Unicode character/);
    expect(bad('echo-perms', { p: ['read', 'read'] })).toThrow(/listed twice/);
    expect(bad('echo-bytes', { b: 'AQID!' })).toThrow(/base64/);
    expect(bad('echo-result', { r: { ok: 1, err: 'x' } })).toThrow(/exactly one of "ok" or "err"/);
  });
});
