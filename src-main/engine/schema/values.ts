import { isPlainObject } from '../plain-object.js';
import { jsName } from './jco-names.js';
import { isNullable, isOptional, isStructured, successType } from './json-schema.js';
import type { ExportedFunction, WitType } from './wit-type.js';

// JSON arguments -> the values jco's glue expects, and glue results -> JSON. The glue coerces bad
// input silently (a string becomes 0, a missing field undefined), so every value is checked here
// against its WIT type, whatever schema validation ran before.

/** A tool argument that does not fit the function's WIT type; the message names the offending path. */
export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

const INT_RANGES: Record<string, [number, number]> = {
  u8: [0, 255],
  u16: [0, 65535],
  u32: [0, 4294967295],
  s8: [-128, 127],
  s16: [-32768, 32767],
  s32: [-2147483648, 2147483647],
};
const U64_MAX = 2n ** 64n - 1n;
const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : `"${v}"`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function fail(path: string, expected: string, v: unknown): never {
  throw new ArgumentError(`${path}: expected ${expected}, got ${describe(v)}`);
}

function checkKeys(path: string, obj: Record<string, unknown>, allowed: readonly string[], required: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      const name = k.length > 64 ? `${k.slice(0, 64)}… (${k.length} characters)` : k;
      throw new ArgumentError(`${path}: unexpected property "${name}" (allowed: ${allowed.join(', ') || 'none'})`);
    }
  }
  for (const k of required) {
    if (!Object.hasOwn(obj, k)) throw new ArgumentError(`${path}: missing property "${k}"`);
  }
}

function toBigInt(t: 'u64' | 's64', v: unknown, path: string): bigint {
  let n: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fail(path, `a safe integer (pass larger ${t} values as a decimal string)`, v);
    n = BigInt(v);
  } else if (typeof v === 'string' && /^-?(0|[1-9][0-9]{0,19})$/.test(v)) {
    // At most 20 digits, the most a 64-bit value has: parsing a client's million-digit string as a
    // BigInt would hold the event loop for a second.
    n = BigInt(v);
  } else {
    fail(path, `an integer or a decimal string for ${t}`, v);
  }
  const [min, max] = t === 'u64' ? [0n, U64_MAX] : [S64_MIN, S64_MAX];
  if (n < min || n > max) fail(path, `a ${t} from ${min} to ${max}`, v);
  return n;
}

function toFloat(v: unknown, path: string): number {
  return typeof v === 'number' ? v : fail(path, 'a number', v);
}

function decodeBase64(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string' || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
    fail(path, 'bytes as a base64 string', v);
  }
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/** One JSON value -> the glue's representation of `t`. */
export function toGuest(t: WitType, v: unknown, path: string): unknown {
  switch (t.kind) {
    case 'bool':
      return typeof v === 'boolean' ? v : fail(path, 'true or false', v);
    case 'u8':
    case 'u16':
    case 'u32':
    case 's8':
    case 's16':
    case 's32': {
      const [min, max] = INT_RANGES[t.kind]!;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `an integer from ${min} to ${max}`, v);
      return v;
    }
    case 'u64':
    case 's64':
      return toBigInt(t.kind, v, path);
    case 'f32':
    case 'f64':
      return toFloat(v, path);
    case 'char': {
      if (typeof v !== 'string') fail(path, 'a single character', v);
      const cp = v.codePointAt(0);
      if (cp === undefined || [...v].length !== 1 || (cp >= 0xd800 && cp <= 0xdfff)) fail(path, 'a single Unicode character', v);
      return v;
    }
    case 'string':
      return typeof v === 'string' ? v : fail(path, 'a string', v);
    case 'list': {
      if (t.element.kind === 'u8') {
        const bytes = decodeBase64(v, path);
        if (t.length !== undefined && bytes.length !== t.length) fail(path, `exactly ${t.length} bytes`, v);
        return bytes;
      }
      if (!Array.isArray(v)) fail(path, 'an array', v);
      if (t.length !== undefined && v.length !== t.length) fail(path, `an array of exactly ${t.length} items`, v);
      return v.map((x, i) => toGuest(t.element, x, `${path}[${i}]`));
    }
    case 'option':
      if (v === undefined) return isNullable(t.some) ? { tag: 'none' } : undefined;
      if (isNullable(t.some)) {
        const tag = variantTag(v, path, ['none', 'some']);
        return tag === 'none' ? { tag } : { tag, val: toGuest(t.some, (v as { val: unknown }).val, `${path}.val`) };
      }
      return v === null || v === undefined ? undefined : toGuest(t.some, v, path);
    case 'result': {
      if (!isPlainObject(v) || Object.keys(v).length !== 1 || !('ok' in v || 'err' in v)) {
        fail(path, 'an object with exactly one of "ok" or "err"', v);
      }
      const tag = 'ok' in v ? 'ok' : 'err';
      const payload = tag === 'ok' ? t.ok : t.err;
      if (!payload) {
        if (v[tag] !== null) fail(`${path}.${tag}`, 'null', v[tag]);
        return { tag };
      }
      return { tag, val: toGuest(payload, v[tag], `${path}.${tag}`) };
    }
    case 'tuple':
      if (!Array.isArray(v) || v.length !== t.items.length) fail(path, `an array of ${t.items.length} items`, v);
      return t.items.map((item, i) => toGuest(item, v[i], `${path}[${i}]`));
    case 'record': {
      if (!isPlainObject(v)) fail(path, 'an object', v);
      const names = t.fields.map((f) => f.name);
      checkKeys(
        path,
        v,
        names,
        t.fields.filter((f) => !isOptional(f.type)).map((f) => f.name),
      );
      const out: Record<string, unknown> = {};
      for (const f of t.fields) out[jsName(f.name)] = toGuest(f.type, v[f.name], `${path}.${f.name}`);
      return out;
    }
    case 'variant': {
      const tag = variantTag(
        v,
        path,
        t.cases.map((c) => c.name),
      );
      const c = t.cases.find((x) => x.name === tag)!;
      const obj = v as Record<string, unknown>;
      if (!c.type) {
        checkKeys(path, obj, ['tag'], ['tag']);
        return { tag };
      }
      checkKeys(path, obj, ['tag', 'val'], ['tag', 'val']);
      return { tag, val: toGuest(c.type, obj.val, `${path}.val`) };
    }
    case 'enum': {
      const names = t.cases.map((c) => c.name);
      return typeof v === 'string' && names.includes(v) ? v : fail(path, `one of ${names.join(', ')}`, v);
    }
    case 'flags': {
      const names = t.flags.map((f) => f.name);
      if (!Array.isArray(v)) fail(path, `an array of flag names (${names.join(', ')})`, v);
      const out: Record<string, boolean> = {};
      for (const n of names) out[jsName(n)] = false;
      v.forEach((x, i) => {
        if (typeof x !== 'string' || !names.includes(x)) fail(`${path}[${i}]`, `one of ${names.join(', ')}`, x);
        if (out[jsName(x)]) throw new ArgumentError(`${path}: flag "${x}" is listed twice`);
        out[jsName(x)] = true;
      });
      return out;
    }
    case 'unsupported':
      throw new ArgumentError(`${path}: ${t.what} cannot be passed as JSON`);
  }
}

function variantTag(v: unknown, path: string, tags: string[]): string {
  if (!isPlainObject(v) || typeof v.tag !== 'string') fail(path, `an object with a "tag" (one of ${tags.join(', ')})`, v);
  if (!tags.includes(v.tag)) fail(`${path}.tag`, `one of ${tags.join(', ')}`, v.tag);
  return v.tag;
}

/** JSON tool arguments -> the positional arguments of the glue function. */
export function toGuestArgs(fn: ExportedFunction, args: Record<string, unknown>): unknown[] {
  if (!isPlainObject(args)) fail('arguments', 'an object', args);
  checkKeys(
    'arguments',
    args,
    fn.params.map((p) => p.name),
    fn.params.filter((p) => !isOptional(p.type)).map((p) => p.name),
  );
  return fn.params.map((p) => toGuest(p.type, args[p.name], p.name));
}

/** A value the glue returned for `t` -> JSON: bigints beyond 2^53 and non-finite floats become strings, bytes base64. */
export function fromGuest(t: WitType, v: unknown): unknown {
  switch (t.kind) {
    case 'u64':
    case 's64': {
      const n = typeof v === 'bigint' ? v : BigInt(v as number);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
    }
    case 'f32':
    case 'f64':
      return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
    case 'list':
      if (t.element.kind === 'u8') return Buffer.from(v as Uint8Array).toString('base64');
      return Array.from(v as ArrayLike<unknown>, (x) => fromGuest(t.element, x));
    case 'option':
      if (isNullable(t.some)) {
        const o = v as { tag: string; val?: unknown };
        return o.tag === 'none' ? { tag: 'none' } : { tag: 'some', val: fromGuest(t.some, o.val) };
      }
      return v === undefined || v === null ? null : fromGuest(t.some, v);
    case 'result': {
      const r = v as { tag: 'ok' | 'err'; val?: unknown };
      const payload = r.tag === 'ok' ? t.ok : t.err;
      return { [r.tag]: payload ? fromGuest(payload, r.val) : null };
    }
    case 'tuple':
      return t.items.map((item, i) => fromGuest(item, (v as unknown[])[i]));
    case 'record': {
      const obj = v as Record<string, unknown>;
      return Object.fromEntries(t.fields.map((f) => [f.name, fromGuest(f.type, obj[jsName(f.name)])]));
    }
    case 'variant': {
      const o = v as { tag: string; val?: unknown };
      const c = t.cases.find((x) => x.name === o.tag);
      return c?.type ? { tag: o.tag, val: fromGuest(c.type, o.val) } : { tag: o.tag };
    }
    case 'flags': {
      const obj = v as Record<string, unknown>;
      return t.flags.filter((f) => obj[jsName(f.name)]).map((f) => f.name);
    }
    case 'unsupported':
      return null;
    default:
      return v;
  }
}

/**
 * What a successful call returned, as JSON. For a function returning `result<T, E>` the glue returns
 * T itself (and throws E), so this maps T. Null for functions without a result.
 */
export function fromGuestResult(fn: ExportedFunction, value: unknown): unknown {
  const t = successType(fn);
  return t ? fromGuest(t, value) : null;
}

/** The MCP structuredContent for a successful call, matching outputSchema(fn); undefined when there is none. */
export function structuredContent(fn: ExportedFunction, json: unknown): Record<string, unknown> | undefined {
  const t = successType(fn);
  if (!t || !isStructured(t)) return undefined;
  return t.kind === 'record' ? (json as Record<string, unknown>) : { result: json };
}

export type GuestFailure = { isError: true; payload: unknown } | { isError: false; trap: Error };

/**
 * Sorts what a glue call threw: the err case of a function's `result` (jco throws the payload itself,
 * or a ComponentError carrying it in `payload`) is an answer the tool gave, returned as JSON; so is
 * an ArgumentError from toGuestArgs (the guest never ran; the caller can correct its arguments).
 * Anything else (a wasm trap, a glue TypeError) is a failure of the instance, which must then be replaced.
 */
export function classifyGuestError(fn: ExportedFunction, thrown: unknown): GuestFailure {
  if (thrown instanceof ArgumentError) return { isError: true, payload: thrown.message };
  const r = fn.result;
  if (r?.kind === 'result') {
    const wrapped = thrown instanceof Error && Object.hasOwn(thrown, 'payload');
    if (wrapped || !(thrown instanceof Error)) {
      const payload = wrapped ? (thrown as Error & { payload: unknown }).payload : thrown;
      return { isError: true, payload: r.err ? fromGuest(r.err, payload) : null };
    }
  }
  return { isError: false, trap: thrown instanceof Error ? thrown : new Error(`component threw ${describe(thrown)}`) };
}
