import { BinaryReader, componentSections, WasmFormatError } from './binary-reader.js';
import type { ComponentInterface, ExportedFunction, PrimitiveKind, WitType } from './wit-type.js';

// Reads the types of a component's imports and exports straight from its binary. componentWit()
// prints only the root package, so the records and functions of an exported interface such as
// `local:notes/search@0.1.0` never appear in its text; the binary has them all.

interface FuncType {
  t: 'func';
  params: { name: string; type: WitType }[];
  result: WitType | null;
  async: boolean;
}
interface ValType {
  t: 'val';
  val: WitType;
}
interface ResourceType {
  t: 'resource';
  name?: string;
}
interface InstanceType {
  t: 'instance';
  exports: Map<string, Entity>;
}
interface ComponentType {
  t: 'component';
  imports: Map<string, Entity>;
  exports: Map<string, Entity>;
}
type TypeDef = FuncType | ValType | ResourceType | InstanceType | ComponentType;

type ComponentDef = { bytes: Uint8Array; start: number; end: number; scope: Scope } | { type: ComponentType };

type Entity =
  | { sort: 'func'; type: FuncType }
  | { sort: 'type'; type: TypeDef }
  | { sort: 'instance'; exports: Map<string, Entity> }
  | { sort: 'component'; def: ComponentDef }
  | { sort: 'value' }
  | { sort: 'core' };

type Sort = Entity['sort'];

class Scope {
  readonly types: TypeDef[] = [];
  readonly funcs: FuncType[] = [];
  readonly instances: Map<string, Entity>[] = [];
  readonly components: ComponentDef[] = [];
  values = 0;
  readonly depth: number;

  constructor(readonly parent: Scope | null) {
    this.depth = parent ? parent.depth + 1 : 0;
    // Nested component and instance types recurse; a crafted binary must not exhaust the stack.
    if (this.depth > MAX_TYPE_NESTING) throw new WasmFormatError('types nested too deeply');
  }

  add(e: Entity): void {
    switch (e.sort) {
      case 'func':
        this.funcs.push(e.type);
        break;
      case 'type':
        this.types.push(e.type);
        break;
      case 'instance':
        this.instances.push(e.exports);
        break;
      case 'component':
        this.components.push(e.def);
        break;
      case 'value':
        this.values++;
        break;
      case 'core':
        break;
    }
  }

  get(sort: Sort, idx: number, at: number): Entity {
    const missing = (): never => {
      throw new WasmFormatError(`${sort} index ${idx} out of range`, at);
    };
    switch (sort) {
      case 'func':
        return { sort, type: this.funcs[idx] ?? missing() };
      case 'type':
        return { sort, type: this.types[idx] ?? missing() };
      case 'instance':
        return { sort, exports: this.instances[idx] ?? missing() };
      case 'component':
        return { sort, def: this.components[idx] ?? missing() };
      case 'value':
        return { sort };
      case 'core':
        return { sort };
    }
  }

  outer(count: number, at: number): Scope {
    let s: Scope | null = this;
    for (let i = 0; i < count && s; i++) s = s.parent;
    if (!s) throw new WasmFormatError(`outer alias count ${count} leaves the outermost component`, at);
    return s;
  }
}

const PRIMITIVE_BYTES: Record<number, PrimitiveKind | 'error-context'> = {
  127: 'bool',
  126: 's8',
  125: 'u8',
  124: 's16',
  123: 'u16',
  122: 's32',
  121: 'u32',
  120: 's64',
  119: 'u64',
  118: 'f32',
  117: 'f64',
  116: 'char',
  115: 'string',
  100: 'error-context',
};

function readSort(r: BinaryReader): Sort {
  const b = r.u8();
  switch (b) {
    case 0x00:
      r.u8(); // core sort: modules, core funcs, tables... are of no interest here
      return 'core';
    case 0x01:
      return 'func';
    case 0x02:
      return 'value';
    case 0x03:
      return 'type';
    case 0x04:
      return 'component';
    case 0x05:
      return 'instance';
    default:
      throw new WasmFormatError(`unknown sort 0x${b.toString(16)}`, r.pos - 1);
  }
}

/** An import/export name; the 0x02 form carries options (implements, version suffix, id) that do not change the name. */
function readExternName(r: BinaryReader): string {
  const b = r.u8();
  if (b !== 0x00 && b !== 0x01 && b !== 0x02) throw new WasmFormatError(`unknown name form 0x${b.toString(16)}`, r.pos - 1);
  const name = r.string();
  if (b === 0x02) {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const tag = r.u8();
      if (tag > 0x02) throw new WasmFormatError(`unknown name option 0x${tag.toString(16)}`, r.pos - 1);
      r.string();
    }
  }
  return name;
}

function typeAt(scope: Scope, idx: number, at: number): TypeDef {
  const t = scope.types[idx];
  if (!t) throw new WasmFormatError(`type index ${idx} out of range`, at);
  return t;
}

function readValType(r: BinaryReader, scope: Scope): WitType {
  const prim = PRIMITIVE_BYTES[r.peek()];
  if (prim) {
    r.u8();
    return prim === 'error-context' ? { kind: 'unsupported', what: 'error-context' } : { kind: prim };
  }
  const at = r.pos;
  const idx = r.s33();
  const t = typeAt(scope, idx, at);
  if (t.t === 'val') return t.val;
  if (t.t === 'resource') return { kind: 'unsupported', what: `own<${t.name ?? 'resource'}>` };
  throw new WasmFormatError(`type ${idx} is a ${t.t} type, not a value type`, at);
}

function resourceName(r: BinaryReader, scope: Scope): string {
  const at = r.pos;
  const idx = r.u32();
  const t = typeAt(scope, idx, at);
  return t.t === 'resource' ? (t.name ?? 'resource') : `type ${idx}`;
}

function readOptionalValType(r: BinaryReader, scope: Scope): WitType | null {
  const b = r.u8();
  if (b === 0x00) return null;
  if (b === 0x01) return readValType(r, scope);
  throw new WasmFormatError(`expected 0x00 or 0x01, got 0x${b.toString(16)}`, r.pos - 1);
}

function vec<T>(r: BinaryReader, item: () => T): T[] {
  const n = r.u32();
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item());
  return out;
}

function readTypeDef(r: BinaryReader, scope: Scope): TypeDef {
  const at = r.pos;
  const b = r.u8();
  const prim = PRIMITIVE_BYTES[b];
  if (prim) return { t: 'val', val: prim === 'error-context' ? { kind: 'unsupported', what: prim } : { kind: prim } };
  switch (b) {
    case 0x72:
      return { t: 'val', val: { kind: 'record', fields: vec(r, () => ({ name: r.string(), type: readValType(r, scope) })) } };
    case 0x71:
      return {
        t: 'val',
        val: {
          kind: 'variant',
          cases: vec(r, () => {
            const name = r.string();
            const type = readOptionalValType(r, scope);
            if (r.u8() !== 0x00) throw new WasmFormatError('variant case refinements are not supported', r.pos - 1);
            return { name, type };
          }),
        },
      };
    case 0x70:
      return { t: 'val', val: { kind: 'list', element: readValType(r, scope) } };
    case 0x67: {
      const element = readValType(r, scope);
      return { t: 'val', val: { kind: 'list', element, length: r.u32() } };
    }
    case 0x63: {
      const k = readValType(r, scope);
      const v = readValType(r, scope);
      return { t: 'val', val: { kind: 'unsupported', what: `map<${k.kind}, ${v.kind}>` } };
    }
    case 0x6f:
      return { t: 'val', val: { kind: 'tuple', items: vec(r, () => readValType(r, scope)) } };
    case 0x6e:
      return { t: 'val', val: { kind: 'flags', flags: vec(r, () => ({ name: r.string() })) } };
    case 0x6d:
      return { t: 'val', val: { kind: 'enum', cases: vec(r, () => ({ name: r.string() })) } };
    case 0x6b:
      return { t: 'val', val: { kind: 'option', some: readValType(r, scope) } };
    case 0x6a: {
      const ok = readOptionalValType(r, scope);
      const err = readOptionalValType(r, scope);
      return { t: 'val', val: { kind: 'result', ok, err } };
    }
    case 0x69:
      return { t: 'val', val: { kind: 'unsupported', what: `own<${resourceName(r, scope)}>` } };
    case 0x68:
      return { t: 'val', val: { kind: 'unsupported', what: `borrow<${resourceName(r, scope)}>` } };
    case 0x66:
      readOptionalValType(r, scope);
      return { t: 'val', val: { kind: 'unsupported', what: 'stream' } };
    case 0x65:
      readOptionalValType(r, scope);
      return { t: 'val', val: { kind: 'unsupported', what: 'future' } };
    case 0x40:
    case 0x43: {
      const params = vec(r, () => ({ name: r.string(), type: readValType(r, scope) }));
      return { t: 'func', params, result: readResultList(r, scope), async: b === 0x43 };
    }
    case 0x41:
      return readComponentType(r, scope);
    case 0x42:
      return { t: 'instance', exports: readInstanceTypeDecls(r, new Scope(scope), false).exports };
    case 0x3f:
    case 0x3e: {
      r.u8(); // representation: i32
      if (r.u8() === 0x01) r.u32(); // destructor
      if (b === 0x3e && r.u8() === 0x01) r.u32(); // async destructor callback
      return { t: 'resource' };
    }
    default:
      throw new WasmFormatError(`unknown type form 0x${b.toString(16)}`, at);
  }
}

function readResultList(r: BinaryReader, scope: Scope): WitType | null {
  const b = r.u8();
  if (b === 0x00) return readValType(r, scope);
  if (b === 0x01 && r.u8() === 0x00) return null;
  throw new WasmFormatError('named function results are not supported', r.pos - 1);
}

function readComponentType(r: BinaryReader, parent: Scope): ComponentType {
  const scope = new Scope(parent);
  const { imports, exports } = readInstanceTypeDecls(r, scope, true);
  return { t: 'component', imports, exports };
}

/** The declarations of an instance or component type; `withImports` for a component type. */
function readInstanceTypeDecls(r: BinaryReader, scope: Scope, withImports: boolean) {
  const imports = new Map<string, Entity>();
  const exports = new Map<string, Entity>();
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const b = r.u8();
    switch (b) {
      case 0x00:
        throw new WasmFormatError('core types inside component types are not supported', at);
      case 0x01:
        scope.types.push(readTypeDef(r, scope));
        break;
      case 0x02:
        readAlias(r, scope);
        break;
      case 0x03:
      case 0x04: {
        if (b === 0x03 && !withImports) throw new WasmFormatError('import in an instance type', at);
        const name = readExternName(r);
        const e = named(readExternDesc(r, scope), name);
        scope.add(e);
        (b === 0x03 ? imports : exports).set(name, e);
        break;
      }
      default:
        throw new WasmFormatError(`unknown type declaration 0x${b.toString(16)}`, at);
    }
  }
  return { imports, exports };
}

function readExternDesc(r: BinaryReader, scope: Scope): Entity {
  const at = r.pos;
  const sort = readSort(r);
  switch (sort) {
    case 'core':
      r.u32();
      return { sort: 'core' };
    case 'func': {
      const t = typeAt(scope, r.u32(), at);
      if (t.t !== 'func') throw new WasmFormatError('func import of a non-function type', at);
      return { sort: 'func', type: t };
    }
    case 'value':
      readValType(r, scope);
      return { sort: 'value' };
    case 'type': {
      const bound = r.u8();
      if (bound === 0x00) return { sort: 'type', type: typeAt(scope, r.u32(), at) };
      if (bound === 0x01) return { sort: 'type', type: { t: 'resource' } };
      throw new WasmFormatError(`unknown type bound 0x${bound.toString(16)}`, at);
    }
    case 'component': {
      const t = typeAt(scope, r.u32(), at);
      if (t.t !== 'component') throw new WasmFormatError('component import of a non-component type', at);
      return { sort: 'component', def: { type: t } };
    }
    case 'instance': {
      const t = typeAt(scope, r.u32(), at);
      if (t.t !== 'instance') throw new WasmFormatError('instance import of a non-instance type', at);
      return { sort: 'instance', exports: t.exports };
    }
  }
}

/** A type exported or imported under a name: name the record/variant/enum/flags/resource it stands for, once. */
function named(e: Entity, name: string): Entity {
  if (e.sort !== 'type') return e;
  const t = e.type;
  if (t.t === 'resource' && !t.name) return { sort: 'type', type: { ...t, name } };
  if (t.t === 'val' && isNameable(t.val) && !t.val.name) return { sort: 'type', type: { t: 'val', val: { ...t.val, name } } };
  return e;
}

function isNameable(t: WitType): t is Extract<WitType, { kind: 'record' | 'variant' | 'enum' | 'flags' }> {
  return t.kind === 'record' || t.kind === 'variant' || t.kind === 'enum' || t.kind === 'flags';
}

function readAlias(r: BinaryReader, scope: Scope): void {
  const at = r.pos;
  const sort = readSort(r);
  const target = r.u8();
  if (target === 0x00) {
    const idx = r.u32();
    const name = r.string();
    const inst = scope.get('instance', idx, at);
    if (inst.sort !== 'instance') throw new WasmFormatError('alias of a non-instance', at);
    const e = inst.exports.get(name);
    if (!e) throw new WasmFormatError(`instance ${idx} has no export "${name}"`, at);
    scope.add(e);
  } else if (target === 0x01) {
    r.u32();
    r.string();
    if (sort !== 'core') throw new WasmFormatError('core export alias of a component sort', at);
  } else if (target === 0x02) {
    const count = r.u32();
    const idx = r.u32();
    if (sort === 'core') return;
    scope.add(scope.outer(count, at).get(sort, idx, at));
  } else {
    throw new WasmFormatError(`unknown alias target 0x${target.toString(16)}`, at);
  }
}

function skipCanonOpts(r: BinaryReader): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const o = r.u8();
    if (o === 0x03 || o === 0x04 || o === 0x05 || o === 0x07 || o === 0x08) r.u32();
    else if (o > 0x09) throw new WasmFormatError(`unknown canonical option 0x${o.toString(16)}`, r.pos - 1);
  }
}

/** Argument shapes of the canonical built-ins other than lift: all define core functions. */
const CANON_ARGS: Record<number, string> = {
  2: 'u',
  3: 'u',
  4: 'u',
  5: '',
  6: 'b',
  7: 'u',
  8: '',
  10: 'bu',
  11: 'bu',
  12: 'b',
  13: '',
  14: 'u',
  15: 'uo',
  16: 'uo',
  17: 'ub',
  18: 'ub',
  19: 'u',
  20: 'u',
  21: 'u',
  22: 'uo',
  23: 'uo',
  24: 'ub',
  25: 'ub',
  26: 'u',
  27: 'u',
  28: 'o',
  29: 'o',
  30: '',
  31: '',
  32: 'bu',
  33: 'bu',
  34: '',
  35: '',
  36: '',
  37: '',
  38: '',
  39: 'uu',
  40: '',
  41: 'b',
  42: 'b',
  43: 'b',
  44: 'b',
  45: 'b',
  64: 'u',
  65: 'uu',
  66: '',
};

function readCanon(r: BinaryReader, scope: Scope): void {
  const at = r.pos;
  const op = r.u8();
  if (op === 0x00) {
    if (r.u8() !== 0x00) throw new WasmFormatError('unknown canon lift form', at);
    r.u32();
    skipCanonOpts(r);
    const t = typeAt(scope, r.u32(), at);
    if (t.t !== 'func') throw new WasmFormatError('canon lift with a non-function type', at);
    scope.funcs.push(t);
    return;
  }
  if (op === 0x01) {
    if (r.u8() !== 0x00) throw new WasmFormatError('unknown canon lower form', at);
    r.u32();
    skipCanonOpts(r);
    return;
  }
  if (op === 0x09) {
    // task.return: a result list, then options
    if (r.u8() === 0x00) readValType(r, scope);
    else r.u8();
    skipCanonOpts(r);
    return;
  }
  const args = CANON_ARGS[op];
  if (args === undefined) throw new WasmFormatError(`unknown canonical function 0x${op.toString(16)}`, at);
  for (const a of args) {
    if (a === 'u') r.u32();
    else if (a === 'b') r.u8();
    else skipCanonOpts(r);
  }
}

interface Decoded {
  imports: Map<string, Entity>;
  exports: Map<string, Entity>;
}

const MAX_NESTING = 32;
/**
 * Bytes of component-level sections decoded, summed over every instantiation of nested components:
 * without a cap, components instantiating components many times over would take exponential time.
 */
const MAX_DECODED_BYTES = 8 * 1024 * 1024;
/** What one (even empty) instantiation counts against that budget. */
const DECODE_OVERHEAD = 1024;
/** Scopes (components, instance and component types) nested inside each other; each level is a recursive call. */
const MAX_TYPE_NESTING = 100;

interface Work {
  decodedBytes: number;
}

function decodeComponent(
  bytes: Uint8Array,
  start: number,
  end: number,
  parent: Scope | null,
  args: Map<string, Entity> | null,
  depth: number,
  work: Work,
): Decoded {
  if (depth > MAX_NESTING) throw new WasmFormatError('components nested too deeply', start);
  work.decodedBytes += DECODE_OVERHEAD;
  const scope = new Scope(parent);
  const imports = new Map<string, Entity>();
  const exports = new Map<string, Entity>();
  for (const s of componentSections(bytes, start, end)) {
    const r = new BinaryReader(bytes, s.contentStart, s.end);
    if ([5, 6, 7, 8, 10, 11].includes(s.id)) {
      work.decodedBytes += s.end - s.contentStart;
      if (work.decodedBytes > MAX_DECODED_BYTES) throw new WasmFormatError('component too complex to describe', s.start);
    }
    switch (s.id) {
      case 4:
        scope.components.push({ bytes, start: s.contentStart, end: s.end, scope });
        continue;
      case 5:
        readInstances(r, scope, depth, work);
        break;
      case 6:
        for (let n = r.u32(); n > 0; n--) readAlias(r, scope);
        break;
      case 7:
        for (let n = r.u32(); n > 0; n--) scope.types.push(readTypeDef(r, scope));
        break;
      case 8:
        for (let n = r.u32(); n > 0; n--) readCanon(r, scope);
        break;
      case 10:
        for (let n = r.u32(); n > 0; n--) {
          const name = readExternName(r);
          const declared = named(readExternDesc(r, scope), name);
          const e = args?.get(name) ?? declared;
          scope.add(e);
          imports.set(name, e);
        }
        break;
      case 11:
        for (let n = r.u32(); n > 0; n--) {
          const at = r.pos;
          const name = readExternName(r);
          let e = scope.get(readSort(r), r.u32(), at);
          const ascribed = r.u8();
          if (ascribed === 0x01) {
            const t = readExternDesc(r, scope);
            // An ascribed function type is the one the outside world sees; other ascriptions only restate the item.
            if (t.sort === 'func') e = t;
          } else if (ascribed !== 0x00) {
            throw new WasmFormatError('bad export type ascription', at);
          }
          e = named(e, name);
          scope.add(e);
          exports.set(name, e);
        }
        break;
      default:
        // custom, core module/instance/type, start and value sections add nothing a tool call needs
        continue;
    }
    if (r.pos !== s.end) throw new WasmFormatError(`section ${s.id} has trailing bytes`, r.pos);
  }
  return { imports, exports };
}

function readInstances(r: BinaryReader, scope: Scope, depth: number, work: Work): void {
  for (let n = r.u32(); n > 0; n--) {
    const at = r.pos;
    const form = r.u8();
    if (form === 0x00) {
      const def = scope.components[r.u32()];
      if (!def) throw new WasmFormatError('component index out of range', at);
      const args = new Map<string, Entity>();
      for (let k = r.u32(); k > 0; k--) {
        const name = r.string();
        const argAt = r.pos;
        args.set(name, scope.get(readSort(r), r.u32(), argAt));
      }
      const exports =
        'type' in def
          ? def.type.exports
          : decodeComponent(def.bytes, def.start, def.end, def.scope, args, depth + 1, work).exports;
      scope.instances.push(exports);
    } else if (form === 0x01) {
      const exports = new Map<string, Entity>();
      for (let k = r.u32(); k > 0; k--) {
        const name = readExternName(r);
        const itemAt = r.pos;
        exports.set(name, named(scope.get(readSort(r), r.u32(), itemAt), name));
      }
      scope.instances.push(exports);
    } else {
      throw new WasmFormatError(`unknown instance form 0x${form.toString(16)}`, at);
    }
  }
}

/** Records which interface each named type of an imported or exported interface belongs to, for its docs. */
function claimOwner(exports: Map<string, Entity>, owner: string): void {
  for (const e of exports.values()) {
    if (e.sort === 'type' && e.type.t === 'val' && isNameable(e.type.val) && e.type.val.name && !e.type.val.owner) {
      e.type.val.owner = owner;
    }
  }
}

function exported(iface: string | null, name: string, t: FuncType): ExportedFunction {
  const fn: ExportedFunction = { interface: iface, name, params: t.params, result: t.result, docs: '' };
  if (t.async) fn.async = true;
  return fn;
}

function decodeWorld(bytes: Uint8Array): Decoded {
  const world = decodeComponent(bytes, 0, bytes.length, null, null, 0, { decodedBytes: 0 });
  for (const [name, e] of [...world.imports, ...world.exports]) if (e.sort === 'instance') claimOwner(e.exports, name);
  return world;
}

/**
 * The world a component implements, read from its binary: every exported function with full parameter
 * and result types, including those of exported interfaces. Resource methods are left out (they need
 * a resource handle, which JSON cannot carry).
 */
export function describeComponentBinary(bytes: Uint8Array): ComponentInterface {
  const { imports, exports } = decodeWorld(bytes);
  const fns: ExportedFunction[] = [];
  for (const [name, e] of exports) {
    if (e.sort === 'func') {
      fns.push(exported(null, name, e.type));
    } else if (e.sort === 'instance') {
      for (const [fnName, item] of e.exports) {
        if (item.sort !== 'func' || fnName.startsWith('[')) continue;
        fns.push(exported(name, fnName, item.type));
      }
    }
  }
  const importNames = [...imports].filter(([, e]) => e.sort === 'instance' || e.sort === 'func').map(([n]) => n);
  return { world: 'root', exports: fns, imports: importNames };
}

/** The world-level items of a component that a `package-docs` section for its root package may name. */
export interface ComponentSurface {
  /** World functions, imported or exported. */
  funcs: Set<string>;
  /** Interfaces imported or exported under a plain name (`export tools: interface {..}`), with their functions. */
  interfaces: Map<string, Set<string>>;
  /** Records, variants, enums and flags defined in the world itself, with their field/case/flag names. */
  types: Map<string, string[]>;
}

export function componentSurface(bytes: Uint8Array): ComponentSurface {
  const { imports, exports } = decodeWorld(bytes);
  const surface: ComponentSurface = { funcs: new Set(), interfaces: new Map(), types: new Map() };
  for (const [name, e] of [...imports, ...exports]) {
    if (name.includes(':')) continue;
    if (e.sort === 'func') surface.funcs.add(name);
    else if (e.sort === 'instance')
      surface.interfaces.set(name, new Set([...e.exports].filter(([, x]) => x.sort === 'func').map(([n]) => n)));
    else if (e.sort === 'type' && e.type.t === 'val' && isNameable(e.type.val) && !e.type.val.owner && e.type.val.name === name) {
      const v = e.type.val;
      const items = v.kind === 'record' ? v.fields : v.kind === 'flags' ? v.flags : v.cases;
      surface.types.set(
        name,
        items.map((i) => i.name),
      );
    }
  }
  return surface;
}
