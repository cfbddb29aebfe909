import type { ExportedFunction, PrimitiveKind, WitType } from './wit-type.js';

// WIT types as JSON Schema 2020-12 (the dialect MCP 2025-11-25 assumes; tuples use prefixItems). The
// JSON shape of each type is the one values.ts converts to and from; README.md in this folder has the table.

export type JsonSchema = Record<string, unknown>;

export const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/**
 * Arguments and results differ in two places: a float argument is a plain number (what models and
 * clients handle best), while a float result can be NaN or ±Infinity, which JSON spells as strings;
 * and an option field may be left out of an argument (absent is none), while a result always has it.
 */
export type Direction = 'input' | 'output';

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

export function schemaFor(t: WitType, dir: Direction = 'input'): JsonSchema {
  const of = (x: WitType) => schemaFor(x, dir);
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
      return dir === 'input' ? { type: 'number' } : { anyOf: [{ type: 'number' }, { enum: [...NON_FINITE] }] };
    case 'char':
      return { type: 'string', minLength: 1, maxLength: 1, description: 'a single Unicode character' };
    case 'string':
      return { type: 'string' };
    case 'list':
      if (t.element.kind === 'u8') {
        return { type: 'string', contentEncoding: 'base64', pattern: BASE64_PATTERN, description: 'bytes, base64-encoded' };
      }
      return t.length === undefined
        ? { type: 'array', items: of(t.element) }
        : { type: 'array', items: of(t.element), minItems: t.length, maxItems: t.length };
    case 'option':
      if (isNullable(t.some)) {
        return {
          oneOf: [tagged('none', null, undefined), tagged('some', of(t.some), undefined)],
        };
      }
      return { anyOf: [of(t.some), { type: 'null' }] };
    case 'result':
      return {
        oneOf: [oneKey('ok', t.ok ? of(t.ok) : { type: 'null' }), oneKey('err', t.err ? of(t.err) : { type: 'null' })],
      };
    case 'tuple':
      return { type: 'array', prefixItems: t.items.map(of), minItems: t.items.length, maxItems: t.items.length };
    case 'record':
      return withDocs(
        {
          type: 'object',
          properties: Object.fromEntries(t.fields.map((f) => [f.name, withDocs(of(f.type), f.docs)])),
          required: t.fields.filter((f) => dir === 'output' || !isOptional(f.type)).map((f) => f.name),
          additionalProperties: false,
        },
        t.docs,
      );
    case 'variant':
      return withDocs({ oneOf: t.cases.map((c) => tagged(c.name, c.type ? of(c.type) : null, c.docs)) }, t.docs);
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

/** An argument or record field a caller may leave out: an `option`, which is then none. */
export function isOptional(t: WitType): boolean {
  return t.kind === 'option';
}

/** The tool's arguments: one property per parameter, required unless it is an option, nothing else. */
export function inputSchema(fn: ExportedFunction): JsonSchema {
  return {
    $schema: JSON_SCHEMA_2020_12,
    type: 'object',
    properties: Object.fromEntries(fn.params.map((p) => [p.name, withDocs(schemaFor(p.type), p.docs)])),
    required: fn.params.filter((p) => !isOptional(p.type)).map((p) => p.name),
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
 * True when a result of type `t` has structure worth a schema: records, lists, tuples, variants,
 * results, flags. A plain value (string, number, bool, enum, bytes) is returned as text alone.
 */
export function isStructured(t: WitType): boolean {
  switch (t.kind) {
    case 'record':
    case 'tuple':
    case 'variant':
    case 'result':
    case 'flags':
      return true;
    case 'list':
      return t.element.kind !== 'u8';
    case 'option':
      return isStructured(t.some);
    default:
      return false;
  }
}

/**
 * MCP wants structured output to be an object: a record is returned as itself, anything else
 * structured as `{ "result": value }`. See structuredContent() in values.ts. Undefined when the call
 * returns nothing or a plain value, whose text is the whole answer.
 */
export function outputSchema(fn: ExportedFunction): JsonSchema | undefined {
  const t = successType(fn);
  if (!t || !isStructured(t)) return undefined;
  const schema =
    t.kind === 'record'
      ? schemaFor(t, 'output')
      : { type: 'object', properties: { result: schemaFor(t, 'output') }, required: ['result'], additionalProperties: false };
  return { $schema: JSON_SCHEMA_2020_12, ...schema };
}
