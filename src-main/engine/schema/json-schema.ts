import type { ExportedFunction, PrimitiveKind, WitType } from './wit-type.js';

// WIT types as JSON Schema (2020-12: tuples use prefixItems). The JSON shape of each type is the one
// values.ts converts to and from; README.md in this folder has the table.

export type JsonSchema = Record<string, unknown>;

const INT_RANGES: Partial<Record<PrimitiveKind, [number, number]>> = {
  u8: [0, 255],
  u16: [0, 65535],
  u32: [0, 4294967295],
  s8: [-128, 127],
  s16: [-32768, 32767],
  s32: [-2147483648, 2147483647],
};

/** Decimal strings for the full 64-bit ranges; values.ts checks the bounds the pattern cannot. */
export const U64_PATTERN = '^(0|[1-9][0-9]{0,19})$';
export const S64_PATTERN = '^(0|-?[1-9][0-9]{0,18})$';
export const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';
export const NON_FINITE = ['NaN', 'Infinity', '-Infinity'] as const;

/** Puts `docs` first in the description; the schema's own (its type's docs) follows. */
function withDocs(schema: JsonSchema, docs: string | undefined): JsonSchema {
  if (!docs) return schema;
  const own = typeof schema.description === 'string' ? schema.description : undefined;
  return { ...schema, description: joinDocs(docs, own) };
}

/** True when jco represents `option<t>` with a tag, because `t` itself can be null (a nested option). */
export function isNullable(t: WitType): boolean {
  return t.kind === 'option';
}

export function schemaFor(t: WitType): JsonSchema {
  switch (t.kind) {
    case 'bool':
      return { type: 'boolean' };
    case 'u8':
    case 'u16':
    case 'u32':
    case 's8':
    case 's16':
    case 's32': {
      const [minimum, maximum] = INT_RANGES[t.kind]!;
      return { type: 'integer', minimum, maximum };
    }
    case 'u64':
      return {
        anyOf: [
          { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          { type: 'string', pattern: U64_PATTERN, description: 'decimal digits, for values above 2^53' },
        ],
      };
    case 's64':
      return {
        anyOf: [
          { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
          { type: 'string', pattern: S64_PATTERN, description: 'decimal digits, for values beyond ±2^53' },
        ],
      };
    case 'f32':
    case 'f64':
      return { anyOf: [{ type: 'number' }, { enum: [...NON_FINITE] }] };
    case 'char':
      return { type: 'string', minLength: 1, maxLength: 1, description: 'a single Unicode character' };
    case 'string':
      return { type: 'string' };
    case 'list':
      if (t.element.kind === 'u8') {
        return { type: 'string', contentEncoding: 'base64', pattern: BASE64_PATTERN, description: 'bytes, base64-encoded' };
      }
      return t.length === undefined
        ? { type: 'array', items: schemaFor(t.element) }
        : { type: 'array', items: schemaFor(t.element), minItems: t.length, maxItems: t.length };
    case 'option':
      if (isNullable(t.some)) {
        return {
          oneOf: [tagged('none', null, undefined), tagged('some', schemaFor(t.some), undefined)],
        };
      }
      return { anyOf: [schemaFor(t.some), { type: 'null' }] };
    case 'result':
      return {
        oneOf: [
          oneKey('ok', t.ok ? schemaFor(t.ok) : { type: 'null' }),
          oneKey('err', t.err ? schemaFor(t.err) : { type: 'null' }),
        ],
      };
    case 'tuple':
      // No `items: false`: draft-07 validators (the tool table's Ajv) read it as "no items at all".
      // They ignore prefixItems instead, and toGuestArgs checks each element anyway.
      return { type: 'array', prefixItems: t.items.map(schemaFor), minItems: t.items.length, maxItems: t.items.length };
    case 'record':
      return withDocs(
        {
          type: 'object',
          properties: Object.fromEntries(t.fields.map((f) => [f.name, withDocs(schemaFor(f.type), f.docs)])),
          required: t.fields.map((f) => f.name),
          additionalProperties: false,
        },
        t.docs,
      );
    case 'variant':
      return withDocs({ oneOf: t.cases.map((c) => tagged(c.name, c.type ? schemaFor(c.type) : null, c.docs)) }, t.docs);
    case 'enum': {
      const documented = t.cases.filter((c) => c.docs);
      const caseDocs = documented.length ? documented.map((c) => `${c.name}: ${c.docs}`).join('\n') : undefined;
      return withDocs({ type: 'string', enum: t.cases.map((c) => c.name) }, joinDocs(t.docs, caseDocs));
    }
    case 'flags': {
      const documented = t.flags.filter((f) => f.docs);
      const flagDocs = documented.length ? documented.map((f) => `${f.name}: ${f.docs}`).join('\n') : undefined;
      return withDocs(
        { type: 'array', items: { type: 'string', enum: t.flags.map((f) => f.name) }, uniqueItems: true },
        joinDocs(t.docs ?? 'the set flags', flagDocs),
      );
    }
    case 'unsupported':
      // Never offered as a tool (see unsupportedReason); a schema nothing satisfies keeps it that way.
      return { not: {}, description: `${t.what} cannot be passed as JSON` };
  }
}

function joinDocs(a: string | undefined, b: string | undefined): string | undefined {
  return [a, b].filter(Boolean).join('\n') || undefined;
}

function tagged(tag: string, val: JsonSchema | null, docs: string | undefined): JsonSchema {
  const schema: JsonSchema = val
    ? { type: 'object', properties: { tag: { const: tag }, val }, required: ['tag', 'val'], additionalProperties: false }
    : { type: 'object', properties: { tag: { const: tag } }, required: ['tag'], additionalProperties: false };
  return withDocs(schema, docs);
}

function oneKey(key: string, val: JsonSchema): JsonSchema {
  return { type: 'object', properties: { [key]: val }, required: [key], additionalProperties: false };
}

/** The tool's arguments: one property per parameter, all required, nothing else. */
export function inputSchema(fn: ExportedFunction): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(fn.params.map((p) => [p.name, withDocs(schemaFor(p.type), p.docs)])),
    required: fn.params.map((p) => p.name),
    additionalProperties: false,
  };
}

/**
 * The type of the value a successful call returns: the function's result, or the ok payload of a
 * `result` (its err becomes an error result). Null when a call returns nothing.
 */
export function successType(fn: ExportedFunction): WitType | null {
  if (!fn.result) return null;
  return fn.result.kind === 'result' ? fn.result.ok : fn.result;
}

/**
 * MCP wants structured output to be an object: a record is returned as itself, anything else as
 * `{ "result": value }`. See structuredContent() in values.ts.
 */
export function outputSchema(fn: ExportedFunction): JsonSchema | undefined {
  const t = successType(fn);
  if (!t) return undefined;
  if (t.kind === 'record') return schemaFor(t);
  return { type: 'object', properties: { result: schemaFor(t) }, required: ['result'], additionalProperties: false };
}
