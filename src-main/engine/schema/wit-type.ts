/** The WIT value types a tool can take and return, as plain JSON-serialisable data. */
export type PrimitiveKind =
  | 'bool'
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 's8'
  | 's16'
  | 's32'
  | 's64'
  | 'f32'
  | 'f64'
  | 'char'
  | 'string';

export interface NamedItem {
  name: string;
  docs?: string;
}

/** Where a named type was defined: `owner` is the full interface name, absent for a world-level type. */
export interface TypeOrigin {
  name?: string;
  owner?: string;
  docs?: string;
}

export type WitType =
  | { kind: PrimitiveKind }
  | { kind: 'list'; element: WitType; length?: number }
  | { kind: 'option'; some: WitType }
  | { kind: 'result'; ok: WitType | null; err: WitType | null }
  | { kind: 'tuple'; items: WitType[] }
  | ({ kind: 'record'; fields: (NamedItem & { type: WitType })[] } & TypeOrigin)
  | ({ kind: 'variant'; cases: (NamedItem & { type: WitType | null })[] } & TypeOrigin)
  | ({ kind: 'enum'; cases: NamedItem[] } & TypeOrigin)
  | ({ kind: 'flags'; flags: NamedItem[] } & TypeOrigin)
  /** Resources (own/borrow), future, stream, error-context, map: not expressible as JSON arguments. */
  | { kind: 'unsupported'; what: string };

export type WitKind = WitType['kind'];

export interface ExportedFunction {
  /** Full interface name, e.g. `local:notes/search@0.1.0`; a plain name for `export x: interface {..}`; null for a world-level function. */
  interface: string | null;
  /** WIT kebab name, e.g. `fetch-issue`. */
  name: string;
  params: { name: string; type: WitType; docs?: string }[];
  result: WitType | null;
  /** From the component's `package-docs` section when present, else ''. */
  docs: string;
  /** A WASI 0.3 `async func`: its glue function returns a promise. */
  async?: true;
}

export interface ComponentInterface {
  world: string;
  exports: ExportedFunction[];
  /** Imported interfaces and functions, e.g. `wasi:http/outgoing-handler@0.2.10`. */
  imports: string[];
  /** Problems that did not stop the description, e.g. an unreadable docs section. */
  warnings?: string[];
}

export const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveKind>([
  'bool',
  'u8',
  'u16',
  'u32',
  'u64',
  's8',
  's16',
  's32',
  's64',
  'f32',
  'f64',
  'char',
  'string',
]);

/** The first unsupported type inside `t`, if any: a function using one cannot be called with JSON. */
export function findUnsupported(t: WitType | null): string | null {
  if (!t) return null;
  switch (t.kind) {
    case 'unsupported':
      return t.what;
    case 'list':
      return findUnsupported(t.element);
    case 'option':
      return findUnsupported(t.some);
    case 'result':
      return findUnsupported(t.ok) ?? findUnsupported(t.err);
    case 'tuple':
      return firstOf(t.items.map(findUnsupported));
    case 'record':
      return firstOf(t.fields.map((f) => findUnsupported(f.type)));
    case 'variant':
      return firstOf(t.cases.map((c) => findUnsupported(c.type)));
    default:
      return null;
  }
}

function firstOf(xs: (string | null)[]): string | null {
  return xs.find((x) => x !== null) ?? null;
}

/**
 * Types share parts (a record used twice is one object), but schemas and JSON spell every use out:
 * a crafted component could declare a type whose written-out form is astronomically large.
 */
export const MAX_TYPE_SIZE = 5000;
const sizes = new WeakMap<WitType, number>();

/** How many type nodes `t` has when written out in full (memoised, so linear in the shared form). */
export function typeSize(t: WitType | null): number {
  if (!t) return 0;
  const known = sizes.get(t);
  if (known !== undefined) return known;
  let n = 1;
  switch (t.kind) {
    case 'list':
      n += typeSize(t.element);
      break;
    case 'option':
      n += typeSize(t.some);
      break;
    case 'result':
      n += typeSize(t.ok) + typeSize(t.err);
      break;
    case 'tuple':
      for (const i of t.items) n += typeSize(i);
      break;
    case 'record':
      for (const f of t.fields) n += typeSize(f.type);
      break;
    case 'variant':
      for (const c of t.cases) n += typeSize(c.type);
      break;
  }
  sizes.set(t, n);
  return n;
}

/** Why `fn` cannot be offered as a tool, or null when every parameter and its result map to JSON. */
export function unsupportedReason(fn: ExportedFunction): string | null {
  // Size first: the walks below (and every schema) visit each use of a shared part.
  const size = fn.params.reduce((n, p) => n + typeSize(p.type), typeSize(fn.result));
  if (size > MAX_TYPE_SIZE) return `its types are too large to describe (${size} parts, at most ${MAX_TYPE_SIZE})`;
  for (const p of fn.params) {
    const u = findUnsupported(p.type);
    if (u) return `parameter "${p.name}" has type ${u}`;
  }
  const u = findUnsupported(fn.result);
  return u ? `its result has type ${u}` : null;
}

/** `iface#fn` or `fn`: the path ToolDescriptor.export stores. */
export function exportPath(fn: Pick<ExportedFunction, 'interface' | 'name'>): string {
  return fn.interface ? `${fn.interface}#${fn.name}` : fn.name;
}
