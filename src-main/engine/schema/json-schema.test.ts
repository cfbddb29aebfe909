import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { describeComponentBinary } from './component-types.js';
import { inputSchema, outputSchema, schemaFor } from './json-schema.js';
import { echoComponent } from './testing/echo-component.js';
import { toolsForExports } from './tools.js';
import type { ExportedFunction, WitType } from './wit-type.js';

const ajv = new Ajv2020({ allErrors: true, strict: false });

function accepts(t: WitType, v: unknown): boolean {
  return ajv.validate(schemaFor(t), v) as boolean;
}

const point: WitType = {
  kind: 'record',
  name: 'point',
  docs: 'A point.',
  fields: [
    { name: 'x', type: { kind: 's32' }, docs: 'Horizontal.' },
    { name: 'is-origin', type: { kind: 'bool' } },
  ],
};
const shape: WitType = {
  kind: 'variant',
  cases: [
    { name: 'circle', type: { kind: 'f64' } },
    { name: 'dot', type: null },
  ],
};

describe('schemaFor', () => {
  it('gives each integer type its exact range', () => {
    expect(schemaFor({ kind: 'u8' })).toEqual({ type: 'integer', minimum: 0, maximum: 255 });
    expect(schemaFor({ kind: 's16' })).toEqual({ type: 'integer', minimum: -32768, maximum: 32767 });
    expect(accepts({ kind: 'u32' }, 4294967295)).toBe(true);
    expect(accepts({ kind: 'u32' }, 4294967296)).toBe(false);
    expect(accepts({ kind: 's32' }, -2147483649)).toBe(false);
    expect(accepts({ kind: 'u8' }, 1.5)).toBe(false);
    expect(accepts({ kind: 'u8' }, '1')).toBe(false);
  });

  it('takes u64/s64 as safe integers or decimal strings', () => {
    expect(accepts({ kind: 'u64' }, 42)).toBe(true);
    expect(accepts({ kind: 'u64' }, '18446744073709551615')).toBe(true);
    expect(accepts({ kind: 'u64' }, 2 ** 60)).toBe(false);
    expect(accepts({ kind: 'u64' }, -1)).toBe(false);
    expect(accepts({ kind: 'u64' }, '-1')).toBe(false);
    expect(accepts({ kind: 'u64' }, '0x10')).toBe(false);
    expect(accepts({ kind: 's64' }, '-9223372036854775808')).toBe(true);
    expect(accepts({ kind: 's64' }, -5)).toBe(true);
  });

  it('maps floats, chars, strings and bytes', () => {
    expect(schemaFor({ kind: 'f64' })).toEqual({ type: 'number' });
    expect(accepts({ kind: 'f64' }, 1.5)).toBe(true);
    expect(accepts({ kind: 'f32' }, 'NaN')).toBe(false);
    // A result can be non-finite, which JSON spells as a string.
    expect(ajv.validate(schemaFor({ kind: 'f32' }, 'output'), 'NaN')).toBe(true);
    expect(accepts({ kind: 'char' }, '😀')).toBe(true);
    expect(accepts({ kind: 'char' }, 'ab')).toBe(false);
    expect(accepts({ kind: 'char' }, '')).toBe(false);
    expect(accepts({ kind: 'string' }, '')).toBe(true);
    const bytes: WitType = { kind: 'list', element: { kind: 'u8' } };
    expect(accepts(bytes, 'AQID')).toBe(true);
    expect(accepts(bytes, 'not base64!')).toBe(false);
    expect(accepts(bytes, [1, 2, 3])).toBe(false);
  });

  it('maps lists, fixed lists, tuples and options', () => {
    const list: WitType = { kind: 'list', element: { kind: 'string' } };
    expect(accepts(list, ['a', 'b'])).toBe(true);
    expect(accepts(list, ['a', 1])).toBe(false);
    const fixed: WitType = { kind: 'list', element: { kind: 'u16' }, length: 2 };
    expect(accepts(fixed, [1, 2])).toBe(true);
    expect(accepts(fixed, [1])).toBe(false);
    const tuple: WitType = { kind: 'tuple', items: [{ kind: 'u8' }, { kind: 'string' }] };
    expect(schemaFor(tuple)).toMatchObject({ type: 'array', minItems: 2, maxItems: 2 });
    expect(accepts(tuple, [1, 'a'])).toBe(true);
    expect(accepts(tuple, ['a', 1])).toBe(false);
    expect(accepts(tuple, [1, 'a', 2])).toBe(false);
    const opt: WitType = { kind: 'option', some: { kind: 'u8' } };
    expect(accepts(opt, null)).toBe(true);
    expect(accepts(opt, 3)).toBe(true);
    expect(accepts(opt, 'x')).toBe(false);
    const nested: WitType = { kind: 'option', some: opt };
    expect(accepts(nested, { tag: 'none' })).toBe(true);
    expect(accepts(nested, { tag: 'some', val: null })).toBe(true);
    expect(accepts(nested, { tag: 'some', val: 3 })).toBe(true);
    expect(accepts(nested, null)).toBe(false);
  });

  it('maps results to {ok} or {err}', () => {
    const r: WitType = { kind: 'result', ok: { kind: 'u32' }, err: null };
    expect(accepts(r, { ok: 1 })).toBe(true);
    expect(accepts(r, { err: null })).toBe(true);
    expect(accepts(r, { ok: 1, err: null })).toBe(false);
    expect(accepts(r, { err: 'x' })).toBe(false);
  });

  it('maps records with kebab field names, docs as descriptions, nothing extra allowed', () => {
    expect(schemaFor(point)).toEqual({
      description: 'A point.',
      type: 'object',
      properties: {
        x: { type: 'integer', minimum: -2147483648, maximum: 2147483647, description: 'Horizontal.' },
        'is-origin': { type: 'boolean' },
      },
      required: ['x', 'is-origin'],
      additionalProperties: false,
    });
    expect(accepts(point, { x: 1, 'is-origin': false })).toBe(true);
    expect(accepts(point, { x: 1 })).toBe(false);
    expect(accepts(point, { x: 1, 'is-origin': false, y: 2 })).toBe(false);
    expect(accepts(point, { x: 1, isOrigin: false })).toBe(false);
  });

  it('maps variants to {tag, val}, enums to strings and flags to arrays of names', () => {
    expect(accepts(shape, { tag: 'circle', val: 2 })).toBe(true);
    expect(accepts(shape, { tag: 'dot' })).toBe(true);
    expect(accepts(shape, { tag: 'circle' })).toBe(false);
    expect(accepts(shape, { tag: 'dot', val: 1 })).toBe(false);
    expect(accepts(shape, { tag: 'square' })).toBe(false);
    const color: WitType = { kind: 'enum', cases: [{ name: 'red' }, { name: 'dark-blue', docs: 'Deep.' }] };
    expect(schemaFor(color)).toEqual({ type: 'string', enum: ['red', 'dark-blue'], description: 'dark-blue: Deep.' });
    expect(accepts(color, 'purple')).toBe(false);
    const perms: WitType = { kind: 'flags', flags: [{ name: 'read' }, { name: 'write' }] };
    expect(accepts(perms, [])).toBe(true);
    expect(accepts(perms, ['write', 'read'])).toBe(true);
    expect(accepts(perms, ['read', 'read'])).toBe(false);
    expect(accepts(perms, ['exec'])).toBe(false);
  });

  it('accepts nothing for a type JSON cannot carry', () => {
    expect(accepts({ kind: 'unsupported', what: 'own<file>' }, {})).toBe(false);
  });
});

describe('inputSchema and outputSchema', () => {
  const fn = (result: WitType | null): ExportedFunction => ({
    interface: null,
    name: 'f',
    params: [
      { name: 'p', type: point, docs: 'Where.' },
      { name: 'n', type: { kind: 'u8' } },
    ],
    result,
    docs: '',
  });

  it('makes every parameter a required property and refuses unknown ones', () => {
    const s = inputSchema(fn(null));
    expect(s).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['p', 'n'],
      additionalProperties: false,
    });
    expect((s.properties as Record<string, { description?: string }>).p?.description).toBe('Where.\nA point.');
    expect(ajv.validate(s, { p: { x: 1, 'is-origin': true }, n: 2 })).toBe(true);
    expect(ajv.validate(s, { p: { x: 1, 'is-origin': true } })).toBe(false);
    expect(ajv.validate(s, { p: { x: 1, 'is-origin': true }, n: 2, extra: 1 })).toBe(false);
  });

  it('leaves option parameters and option record fields out of required, and takes null for them', () => {
    const opt: WitType = { kind: 'option', some: { kind: 's32' } };
    const filter: WitType = {
      kind: 'record',
      fields: [
        { name: 'state', type: opt },
        { name: 'owner', type: { kind: 'string' } },
      ],
    };
    const s = inputSchema({
      interface: null,
      name: 'list-issues',
      params: [
        { name: 'repo', type: { kind: 'string' } },
        { name: 'state', type: opt },
        { name: 'filter', type: filter },
      ],
      result: null,
      docs: '',
    });
    expect(s.required).toEqual(['repo', 'filter']);
    expect(ajv.validate(s, { repo: 'r', filter: { owner: 'o' } })).toBe(true);
    expect(ajv.validate(s, { repo: 'r', state: null, filter: { owner: 'o', state: 3 } })).toBe(true);
    expect(ajv.validate(s, { repo: 'r', filter: {} })).toBe(false);
    // A result always has every field.
    expect(schemaFor(filter, 'output').required).toEqual(['state', 'owner']);
  });

  it('gives structured results a schema (a record as itself, anything else in {result}) and plain ones none', () => {
    const $schema = 'https://json-schema.org/draft/2020-12/schema';
    expect(outputSchema(fn(null))).toBeUndefined();
    expect(outputSchema(fn({ kind: 'string' }))).toBeUndefined();
    expect(outputSchema(fn({ kind: 'f64' }))).toBeUndefined();
    expect(outputSchema(fn(point))).toEqual({ $schema, ...schemaFor(point, 'output') });
    expect(outputSchema(fn({ kind: 'list', element: { kind: 'f64' } }))).toEqual({
      $schema,
      type: 'object',
      properties: { result: { type: 'array', items: schemaFor({ kind: 'f64' }, 'output') } },
      required: ['result'],
      additionalProperties: false,
    });
    // A result's err is an error result, so the output is its ok type.
    expect(outputSchema(fn({ kind: 'result', ok: point, err: { kind: 'string' } }))).toEqual({
      $schema,
      ...schemaFor(point, 'output'),
    });
    expect(outputSchema(fn({ kind: 'result', ok: null, err: { kind: 'string' } }))).toBeUndefined();
  });
});

describe('schemas under the tool table', () => {
  it('compile against the 2020-12 meta-schema they declare, and check tuple elements', async () => {
    const strict = new Ajv2020({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });
    const tools = toolsForExports(describeComponentBinary(await echoComponent()).exports);
    for (const t of tools) {
      expect(strict.validateSchema(t.inputSchema), JSON.stringify(strict.errors)).toBe(true);
      strict.compile(t.inputSchema);
      if (t.outputSchema) strict.compile(t.outputSchema);
    }
    const tuple = tools.find((t) => t.name === 'echo-tuple')!;
    expect(strict.validate(tuple.inputSchema, { t: [7, 'seven'] })).toBe(true);
    expect(strict.validate(tuple.inputSchema, { t: [7] })).toBe(false);
    expect(strict.validate(tuple.inputSchema, { t: ['seven', 7] })).toBe(false);
  });
});
