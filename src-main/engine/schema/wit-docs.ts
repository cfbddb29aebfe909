import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ComponentSurface, componentSurface } from './component-types.js';
import {
  encodePackageMetadata,
  encodeWeldDocs,
  type InterfaceDocs,
  PACKAGE_DOCS_SECTION,
  type PackageMetadata,
  type TypeDocs,
  WELD_DOCS_SECTION,
  type WorldDocs,
  withCustomSections,
} from './package-docs.js';
import { parseWit, type WitFunc, type WitInterface, type WitPackage, type WitTypeDef } from './wit-text.js';

// Doc comments of WIT sources -> the package-docs section, the way wit-parser's
// PackageMetadata::extract lays them out, so other tools read them too.

function nonEmpty<T extends object>(o: T): T | undefined {
  return Object.values(o).some((v) => v !== undefined) ? o : undefined;
}

function record<T>(entries: [string, T | undefined][]): Record<string, T> | undefined {
  const kept = entries.filter((e): e is [string, T] => e[1] !== undefined);
  return kept.length ? Object.fromEntries(kept) : undefined;
}

/** WIT has param doc comments but the section has no place for them: they travel as `@param` lines. */
function funcDocs(f: WitFunc): string | undefined {
  const params = f.params.filter((p) => p.docs).map((p) => `@param ${p.name} ${p.docs!.replace(/\s*\n\s*/g, ' ')}`);
  const text = [f.docs, ...params].filter(Boolean).join('\n');
  return text || undefined;
}

function typeDocs(t: WitTypeDef): TypeDocs | undefined {
  let items: [string, string | undefined][] = [];
  if (t.kind === 'record') items = t.fields.map((f) => [f.name, f.docs]);
  else if (t.kind === 'variant' || t.kind === 'enum') items = t.cases.map((c) => [c.name, c.docs]);
  else if (t.kind === 'flags') items = t.flags.map((f) => [f.name, f.docs]);
  return nonEmpty({ docs: t.docs, items: record(items) });
}

function interfaceDocs(iface: WitInterface): InterfaceDocs | undefined {
  const resourceFuncs = iface.types.flatMap((t) => (t.kind === 'resource' ? t.funcs : []));
  return nonEmpty({
    docs: iface.docs,
    funcs: record([...iface.funcs, ...resourceFuncs].map((f) => [f.name, funcDocs(f)])),
    types: record(iface.types.map((t) => [t.name, typeDocs(t)])),
  });
}

/** The package-docs content for one WIT package. */
export function packageMetadataFromWit(pkg: WitPackage): PackageMetadata {
  const worlds = pkg.worlds.map((w): [string, WorldDocs | undefined] => {
    const interfaces: [string, InterfaceDocs | undefined][] = [];
    const interfaceExports: [string, InterfaceDocs | undefined][] = [];
    const funcs: [string, string | undefined][] = [];
    const funcExports: [string, string | undefined][] = [];
    const importNames = new Set<string>();
    for (const [items, isImport] of [
      [w.imports, true],
      [w.exports, false],
    ] as const) {
      for (const e of items) {
        if (e.kind === 'path') continue;
        const name = e.kind === 'func' ? e.func.name : e.name;
        // An export named like an import goes to the export-only maps (format version 1).
        const clash = !isImport && importNames.has(name);
        if (isImport) importNames.add(name);
        if (e.kind === 'func') (clash ? funcExports : funcs).push([name, funcDocs(e.func)]);
        else (clash ? interfaceExports : interfaces).push([name, interfaceDocs({ ...e.body, docs: e.docs ?? e.body.docs })]);
      }
    }
    return [
      w.name,
      nonEmpty({
        docs: w.docs,
        interfaces: record(interfaces),
        types: record(w.types.map((t) => [t.name, typeDocs(t)])),
        funcs: record(funcs),
        interface_exports: record(interfaceExports),
        func_exports: record(funcExports),
      }),
    ];
  });
  const out: PackageMetadata = {};
  if (pkg.docs) out.docs = pkg.docs;
  const w = record(worlds);
  if (w) out.worlds = w;
  const i = record(pkg.interfaces.map((x) => [x.name, interfaceDocs(x)]));
  if (i) out.interfaces = i;
  return out;
}

/**
 * The main package of a WIT path: a .wit file, or a folder whose .wit files (not deps/) together
 * form one package, the layout wit-parser and componentize-js read.
 */
export function readWitPackage(witPath: string): WitPackage {
  if (!existsSync(witPath)) throw new Error(`${witPath} does not exist`);
  const files = statSync(witPath).isDirectory()
    ? readdirSync(witPath)
        .filter((f) => f.endsWith('.wit'))
        .sort()
        .map((f) => join(witPath, f))
    : [witPath];
  if (!files.length) throw new Error(`${witPath} has no .wit files`);
  const merged: WitPackage = { name: null, interfaces: [], worlds: [] };
  for (const file of files) {
    let pkg: WitPackage;
    try {
      pkg = parseWit(readFileSync(file, 'utf8'))[0]!;
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    if (pkg.name) {
      if (merged.name && merged.name !== pkg.name) throw new Error(`${file} declares package ${pkg.name}, not ${merged.name}`);
      merged.name = pkg.name;
    }
    if (pkg.docs) merged.docs = merged.docs ? `${merged.docs}\n${pkg.docs}` : pkg.docs;
    merged.interfaces.push(...pkg.interfaces);
    merged.worlds.push(...pkg.worlds);
  }
  return merged;
}

function pick<T>(map: Record<string, T> | undefined, keep: (name: string, value: T) => boolean): [string, T][] {
  return Object.entries(map ?? {}).filter(([n, v]) => keep(n, v));
}

/**
 * The part of `source` (a source package's docs) that a `package-docs` section of the component
 * itself may carry: docs of its root world's functions, plainly named interfaces and own types,
 * limited to what the component really has, since wasm-tools refuses a section naming anything else.
 */
export function rootPackageMetadata(source: PackageMetadata, surface: ComponentSurface): PackageMetadata {
  const score = (w: WorldDocs) =>
    [...Object.keys(w.funcs ?? {}), ...Object.keys(w.func_exports ?? {})].filter((n) => surface.funcs.has(n)).length +
    [...Object.keys(w.interfaces ?? {}), ...Object.keys(w.interface_exports ?? {})].filter((n) => surface.interfaces.has(n))
      .length;
  const worlds = Object.values(source.worlds ?? {});
  const w = worlds.reduce<WorldDocs | undefined>(
    (best, x) => (best === undefined || score(x) > score(best) ? x : best),
    undefined,
  );
  const out: PackageMetadata = {};
  if (source.docs) out.docs = source.docs;
  if (!w) return out;
  const funcs = pick({ ...w.funcs, ...w.func_exports }, (n) => surface.funcs.has(n));
  const interfaces = pick({ ...w.interfaces, ...w.interface_exports }, (n) => surface.interfaces.has(n)).map(
    ([n, d]): [string, InterfaceDocs | undefined] => [
      n,
      nonEmpty({ docs: d.docs, funcs: record(pick(d.funcs, (f) => surface.interfaces.get(n)!.has(f))) }),
    ],
  );
  const types = pick(w.types, (n, d) => {
    const items = surface.types.get(n);
    return items !== undefined && Object.keys(d.items ?? {}).every((i) => items.includes(i));
  });
  const root = nonEmpty({ docs: w.docs, funcs: record(funcs), interfaces: record(interfaces), types: record(types) });
  if (root) out.worlds = { root };
  return out;
}

/**
 * Puts the doc comments of the WIT at `witPath` into a component built from it, which
 * componentize-js leaves without them: the whole source package's docs in `weld:package-docs`, and
 * the subset a standard `package-docs` section may hold (see package-docs.ts). Sections of those
 * names are replaced. Returns the bytes unchanged when the WIT has no doc comments.
 */
export function embedPackageDocs(componentBytes: Uint8Array, witPath: string): Uint8Array {
  const pkg = readWitPackage(witPath);
  const metadata = packageMetadataFromWit(pkg);
  if (!metadata.docs && !metadata.worlds && !metadata.interfaces) return componentBytes;
  const root = rootPackageMetadata(metadata, componentSurface(componentBytes));
  const sections = [{ name: WELD_DOCS_SECTION, data: encodeWeldDocs({ package: pkg.name, metadata }) }];
  if (root.docs || root.worlds) sections.unshift({ name: PACKAGE_DOCS_SECTION, data: encodePackageMetadata(root) });
  return withCustomSections(componentBytes, sections);
}
