import {
  parseWit,
  type TypeRef,
  type WitExtern,
  type WitFunc,
  type WitInterface,
  type WitPackage,
  type WitTypeDef,
  type WitUse,
  type WitWorld,
} from './wit-text.js';
import { type ComponentInterface, type ExportedFunction, PRIMITIVES, type PrimitiveKind, type WitType } from './wit-type.js';

// The exports of a world, from WIT text. Works for WIT sources and for componentWit() output as far
// as that text goes: componentWit prints only the root package, so types and functions of other
// packages' interfaces are missing from it and a component's bytes must be described instead.

export class WitResolveError extends Error {
  override name = 'WitResolveError';
}

interface Scope {
  /** Full interface name (`ns:pkg/iface@1.0.0`), or null for a world. */
  owner: string | null;
  pkg: WitPackage;
  types: Map<string, WitTypeDef>;
  uses: Map<string, { path: string; name: string }>;
}

function packageParts(name: string | null): { base: string; version: string | null } {
  if (!name) return { base: '', version: null };
  const at = name.indexOf('@');
  return at < 0 ? { base: name, version: null } : { base: name.slice(0, at), version: name.slice(at + 1) };
}

/** The full name of interface `iface` of package `pkg`, as component imports and exports spell it. */
function fullName(pkg: WitPackage, iface: string): string {
  const { base, version } = packageParts(pkg.name);
  if (!base) return iface;
  return version ? `${base}/${iface}@${version}` : `${base}/${iface}`;
}

class Resolver {
  private readonly interfaces = new Map<string, { pkg: WitPackage; iface: WitInterface }>();
  private readonly memo = new Map<string, WitType>();
  private readonly resolving = new Set<string>();

  constructor(readonly packages: WitPackage[]) {
    for (const pkg of packages) {
      for (const iface of pkg.interfaces) {
        const entry = { pkg, iface };
        const full = fullName(pkg, iface.name);
        this.interfaces.set(full, entry);
        this.interfaces.set(full.replace(/@[^@]*$/, ''), entry);
      }
    }
  }

  /** The interface a path names, seen from package `from`: `iface` is local, `ns:pkg/iface[@v]` global. */
  findInterface(path: string, from: WitPackage): { pkg: WitPackage; iface: WitInterface; full: string } {
    if (!path.includes(':')) {
      const iface = from.interfaces.find((i) => i.name === path);
      if (!iface) throw new WitResolveError(`interface ${path} is not defined in package ${from.name ?? '(unnamed)'}`);
      return { pkg: from, iface, full: fullName(from, path) };
    }
    const hit = this.interfaces.get(path) ?? this.interfaces.get(path.replace(/@[^@]*$/, ''));
    if (!hit) {
      throw new WitResolveError(
        `the WIT text has no definition of ${path} (componentWit prints only the root package: describe the component from its bytes)`,
      );
    }
    return { ...hit, full: fullName(hit.pkg, hit.iface.name) };
  }

  interfaceScope(pkg: WitPackage, iface: WitInterface, owner: string): Scope {
    return this.scope(owner, pkg, iface.types, iface.uses);
  }

  scope(owner: string | null, pkg: WitPackage, types: WitTypeDef[], uses: WitUse[]): Scope {
    const usesMap = new Map<string, { path: string; name: string }>();
    for (const u of uses) for (const n of u.names) usesMap.set(n.as, { path: u.path, name: n.name });
    return { owner, pkg, types: new Map(types.map((t) => [t.name, t])), uses: usesMap };
  }

  resolve(ref: TypeRef, scope: Scope): WitType {
    switch (ref.kind) {
      case 'name':
        return this.named(ref.name, scope);
      case 'list':
        return ref.length === undefined
          ? { kind: 'list', element: this.resolve(ref.element, scope) }
          : { kind: 'list', element: this.resolve(ref.element, scope), length: ref.length };
      case 'option':
        return { kind: 'option', some: this.resolve(ref.some, scope) };
      case 'result':
        return {
          kind: 'result',
          ok: ref.ok && this.resolve(ref.ok, scope),
          err: ref.err && this.resolve(ref.err, scope),
        };
      case 'tuple':
        return { kind: 'tuple', items: ref.items.map((t) => this.resolve(t, scope)) };
      case 'handle':
        return { kind: 'unsupported', what: `${ref.own ? 'own' : 'borrow'}<${ref.resource}>` };
      case 'future':
      case 'stream':
        return { kind: 'unsupported', what: ref.kind };
      case 'map':
        return { kind: 'unsupported', what: 'map' };
    }
  }

  private named(name: string, scope: Scope): WitType {
    if (PRIMITIVES.has(name)) return { kind: name as PrimitiveKind };
    if (name === 'error-context') return { kind: 'unsupported', what: name };
    const key = `${scope.owner ?? `world:${scope.pkg.name}`}#${name}`;
    const done = this.memo.get(key);
    if (done) return done;
    if (this.resolving.has(key)) throw new WitResolveError(`type ${name} refers to itself`);
    this.resolving.add(key);
    try {
      const t = this.lookup(name, scope);
      this.memo.set(key, t);
      return t;
    } finally {
      this.resolving.delete(key);
    }
  }

  private lookup(name: string, scope: Scope): WitType {
    const def = scope.types.get(name);
    if (def) return this.define(def, scope);
    const use = scope.uses.get(name);
    if (use) {
      const target = this.findInterface(use.path, scope.pkg);
      return this.named(use.name, this.interfaceScope(target.pkg, target.iface, target.full));
    }
    throw new WitResolveError(`type ${name} is not defined in ${scope.owner ?? 'the world'}`);
  }

  private define(def: WitTypeDef, scope: Scope): WitType {
    const origin = { name: def.name, ...(scope.owner ? { owner: scope.owner } : {}), ...(def.docs ? { docs: def.docs } : {}) };
    switch (def.kind) {
      case 'alias':
        return this.resolve(def.type, scope);
      case 'resource':
        return { kind: 'unsupported', what: `own<${def.name}>` };
      case 'record':
        return {
          kind: 'record',
          ...origin,
          fields: def.fields.map((f) => ({
            name: f.name,
            type: this.resolve(f.type, scope),
            ...(f.docs ? { docs: f.docs } : {}),
          })),
        };
      case 'variant':
        return {
          kind: 'variant',
          ...origin,
          cases: def.cases.map((c) => ({
            name: c.name,
            type: c.type && this.resolve(c.type, scope),
            ...(c.docs ? { docs: c.docs } : {}),
          })),
        };
      case 'enum':
        return { kind: 'enum', ...origin, cases: def.cases.map((c) => ({ ...c })) };
      case 'flags':
        return { kind: 'flags', ...origin, flags: def.flags.map((f) => ({ ...f })) };
    }
  }

  func(f: WitFunc, scope: Scope, iface: string | null): ExportedFunction {
    return {
      interface: iface,
      name: f.name,
      params: f.params.map((p) => ({ name: p.name, type: this.resolve(p.type, scope), ...(p.docs ? { docs: p.docs } : {}) })),
      result: f.result && this.resolve(f.result, scope),
      docs: f.docs ?? '',
      ...(f.async ? { async: true as const } : {}),
    };
  }
}

function chooseWorld(packages: WitPackage[]): { pkg: WitPackage; world: WitWorld } {
  const main = packages[0]!;
  const all = main.worlds.map((world) => ({ pkg: main, world }));
  if (all.length === 1) return all[0]!;
  const root = all.find((w) => w.world.name === 'root');
  if (root) return root;
  if (all.length === 0) throw new WitResolveError('the WIT text defines no world');
  throw new WitResolveError(`the WIT text defines several worlds (${all.map((w) => w.world.name).join(', ')})`);
}

/** Imports and exports of `world` with those of the worlds it includes. */
function flatten(
  r: Resolver,
  pkg: WitPackage,
  world: WitWorld,
  seen = new Set<WitWorld>(),
): { pkg: WitPackage; world: WitWorld }[] {
  if (seen.has(world)) return [];
  seen.add(world);
  const out = [{ pkg, world }];
  for (const inc of world.includes) {
    let target: { pkg: WitPackage; world: WitWorld } | undefined;
    if (inc.includes(':')) {
      const [pkgName, worldName] = [inc.slice(0, inc.lastIndexOf('/')), inc.slice(inc.lastIndexOf('/') + 1)];
      const base = worldName.replace(/@.*$/, '');
      const version = worldName.includes('@') ? worldName.slice(worldName.indexOf('@') + 1) : null;
      const p = r.packages.find(
        (x) => packageParts(x.name).base === pkgName && (!version || packageParts(x.name).version === version),
      );
      const w = p?.worlds.find((x) => x.name === base);
      if (p && w) target = { pkg: p, world: w };
    } else {
      const w = pkg.worlds.find((x) => x.name === inc);
      if (w) target = { pkg, world: w };
    }
    if (!target) throw new WitResolveError(`included world ${inc} is not defined`);
    out.push(...flatten(r, target.pkg, target.world, seen));
  }
  return out;
}

function externName(e: WitExtern, pkg: WitPackage): string {
  switch (e.kind) {
    case 'func':
      return e.func.name;
    case 'interface':
      return e.name;
    case 'path':
      return e.name ?? (e.path.includes(':') ? e.path : fullName(pkg, e.path));
  }
}

/** Describes the world in WIT text: the only world, or the one named `root` (componentWit's). */
export function describeWit(text: string): ComponentInterface {
  const packages = parseWit(text);
  const r = new Resolver(packages);
  const { pkg, world } = chooseWorld(packages);
  const exports: ExportedFunction[] = [];
  const imports: string[] = [];
  for (const part of flatten(r, pkg, world)) {
    const scope = r.scope(null, part.pkg, part.world.types, part.world.uses);
    for (const e of part.world.imports) imports.push(externName(e, part.pkg));
    for (const e of part.world.exports) {
      if (e.kind === 'func') {
        exports.push(r.func(e.func, scope, null));
      } else if (e.kind === 'interface') {
        const own = r.interfaceScope(part.pkg, e.body, e.name);
        for (const f of e.body.funcs) exports.push(r.func(f, own, e.name));
      } else {
        const target = r.findInterface(e.path, part.pkg);
        const own = r.interfaceScope(target.pkg, target.iface, target.full);
        const name = e.name ?? target.full;
        for (const f of target.iface.funcs) exports.push(r.func(f, own, name));
      }
    }
  }
  return { world: world.name, exports, imports };
}
