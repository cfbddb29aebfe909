import { z } from 'zod';
import { componentSections, customSection, encodeCustomSection, isComponent } from './binary-reader.js';
import type { ComponentInterface, ExportedFunction, WitType } from './wit-type.js';

// Doc comments travel in custom sections, since the component binary format has no place for them.
//
// `package-docs` is wit-parser's PackageMetadata: a version byte (0, or 1 for stability and
// export-only maps), then JSON with the docs of one WIT package. In a WIT package that is the package
// itself; in a component, wasm-tools (since early 2026, and so jco's componentWit) reads it as the
// docs of the decoded `root:component` package with its one world `root`, and refuses the component
// when the section names anything else. That root package holds only world-level items, so the docs
// of exported interfaces like `local:notes/search` cannot go there.
//
// `weld:package-docs` therefore carries the docs of the component's source package whole, as JSON
// `{ "package": "ns:name@version", "metadata": <PackageMetadata> }`. Weld's build writes both;
// reading prefers Weld's section and falls back to `package-docs` in either convention (the root one,
// or the source-package one that Wassette's wit-docs-inject writes). Keys are the wire format's
// (snake_case), so what Weld writes is what wasm-tools reads.

export const PACKAGE_DOCS_SECTION = 'package-docs';
export const WELD_DOCS_SECTION = 'weld:package-docs';

const Stability = z.unknown();
const FunctionDocs = z.union([z.string(), z.null(), z.object({ docs: z.string().optional(), stability: Stability.optional() })]);
const TypeDocs = z.object({
  docs: z.string().optional(),
  stability: Stability.optional(),
  items: z.record(z.string(), z.string()).optional(),
});
const InterfaceDocs = z.object({
  docs: z.string().optional(),
  stability: Stability.optional(),
  funcs: z.record(z.string(), FunctionDocs).optional(),
  types: z.record(z.string(), TypeDocs).optional(),
});
const WorldDocs = z.object({
  docs: z.string().optional(),
  stability: Stability.optional(),
  interfaces: z.record(z.string(), InterfaceDocs).optional(),
  types: z.record(z.string(), TypeDocs).optional(),
  funcs: z.record(z.string(), FunctionDocs).optional(),
  interface_exports: z.record(z.string(), InterfaceDocs).optional(),
  func_exports: z.record(z.string(), FunctionDocs).optional(),
  interface_import_stability: z.record(z.string(), Stability).optional(),
  interface_export_stability: z.record(z.string(), Stability).optional(),
});
const PackageMetadataSchema = z.object({
  docs: z.string().optional(),
  worlds: z.record(z.string(), WorldDocs).optional(),
  interfaces: z.record(z.string(), InterfaceDocs).optional(),
});
const WeldDocsSchema = z.object({ package: z.string().nullable(), metadata: PackageMetadataSchema });

/** The wire format of `package-docs`. */
export type PackageMetadata = z.infer<typeof PackageMetadataSchema>;
/** Docs of a component: `package` names the WIT package they describe, when known. */
export type PackageDocs = z.infer<typeof WeldDocsSchema>;
export type InterfaceDocs = z.infer<typeof InterfaceDocs>;
export type WorldDocs = z.infer<typeof WorldDocs>;
export type TypeDocs = z.infer<typeof TypeDocs>;
type FunctionDocs = z.infer<typeof FunctionDocs>;

function parseJson<T>(section: string, data: Uint8Array, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (e) {
    throw new Error(`${section}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${section}: ${issue.message} at ${issue.path.join('.') || 'top level'}`);
  }
  return parsed.data;
}

/** Parses the payload of a `package-docs` section. */
export function decodePackageMetadata(data: Uint8Array): PackageMetadata {
  const version = data[0];
  if (version !== 0 && version !== 1)
    throw new Error(`${PACKAGE_DOCS_SECTION}: unsupported format version ${version ?? '(empty)'}`);
  return parseJson(PACKAGE_DOCS_SECTION, data.subarray(1), PackageMetadataSchema);
}

/** The payload of a `package-docs` section: format 0 unless it needs the export-only maps of format 1. */
export function encodePackageMetadata(docs: PackageMetadata): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(docs));
  const out = new Uint8Array(json.length + 1);
  out[0] = Object.values(docs.worlds ?? {}).some((w) => w.func_exports || w.interface_exports) ? 1 : 0;
  out.set(json, 1);
  return out;
}

export function encodeWeldDocs(docs: PackageDocs): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(docs));
}

/**
 * The doc comments of a component: from Weld's section, else from a standard `package-docs`
 * section; null when it has neither. Throws on a malformed section (wasm-tools refuses those too).
 */
export function readPackageDocs(componentBytes: Uint8Array): PackageDocs | null {
  let standard: PackageDocs | null = null;
  for (const s of componentSections(componentBytes)) {
    if (s.id !== 0) continue;
    const { name, data } = customSection(componentBytes, s);
    if (name === WELD_DOCS_SECTION) return parseJson(WELD_DOCS_SECTION, data, WeldDocsSchema);
    if (name === PACKAGE_DOCS_SECTION) standard = { package: null, metadata: decodePackageMetadata(data) };
  }
  return standard;
}

/**
 * `componentBytes` with these custom sections at its end, replacing top-level sections of the same
 * names, and without top-level custom sections named in `remove`.
 */
export function withCustomSections(
  componentBytes: Uint8Array,
  sections: { name: string; data: Uint8Array }[],
  remove: string[] = [],
): Uint8Array {
  if (!isComponent(componentBytes)) throw new Error('not a WebAssembly component');
  const replaced = new Set([...sections.map((s) => s.name), ...remove]);
  const parts: Uint8Array[] = [componentBytes.subarray(0, 8)];
  for (const s of componentSections(componentBytes)) {
    if (s.id === 0 && replaced.has(customSection(componentBytes, s).name)) continue;
    parts.push(componentBytes.subarray(s.start, s.end));
  }
  for (const s of sections) parts.push(encodeCustomSection(s.name, s.data));
  return Buffer.concat(parts);
}

function funcDocs(d: FunctionDocs | undefined): string | undefined {
  if (d === undefined || d === null) return undefined;
  return typeof d === 'string' ? d : d.docs;
}

/** `local:notes/search@0.1.0` -> `search`. */
function shortInterfaceName(name: string): string {
  return name.replace(/@[^@]*$/, '').replace(/^.*\//, '');
}

/** `@param name text` lines of a function's docs, which WIT has no syntax for, become parameter docs. */
function splitParamDocs(docs: string, params: readonly string[]): { docs: string; params: Map<string, string> } {
  const out = new Map<string, string>();
  const kept: string[] = [];
  for (const line of docs.split('\n')) {
    const m = /^\s*@param\s+([A-Za-z0-9-]+)\s*[-:]?\s*(.*)$/.exec(line);
    if (m && params.includes(m[1]!)) out.set(m[1]!, m[2]!.trim());
    else kept.push(line);
  }
  return { docs: kept.join('\n').trim(), params: out };
}

/** `ns:pkg@1.0.0` or `ns:pkg/iface@1.0.0` -> package `ns:pkg` and version. */
function packageOf(name: string): { base: string; version: string | null } {
  const at = name.lastIndexOf('@');
  const bare = at < 0 ? name : name.slice(0, at);
  const slash = bare.indexOf('/');
  return { base: slash < 0 ? bare : bare.slice(0, slash), version: at < 0 ? null : name.slice(at + 1) };
}

/**
 * `iface` with doc comments from `docs` attached: function docs, parameter docs (`@param`), and the
 * docs of records, variants, enums and flags with those of their fields and cases. An interface's
 * docs apply when it belongs to the documented package; when the package is unknown (a standard
 * section), only when every function they document exists in the exported interface of that name.
 */
export function applyPackageDocs(iface: ComponentInterface, pkgDocs: PackageDocs): ComponentInterface {
  const docs = pkgDocs.metadata;
  const documented = pkgDocs.package ? packageOf(pkgDocs.package) : null;
  const inPackage = (full: string): boolean | null => {
    if (!documented) return null;
    const p = packageOf(full);
    return p.base === documented.base && (!p.version || !documented.version || p.version === documented.version);
  };
  const worlds = Object.entries(docs.worlds ?? {});
  const exportedFns = new Map<string, Set<string>>();
  for (const fn of iface.exports) {
    if (fn.interface === null) continue;
    const key = shortInterfaceName(fn.interface);
    if (!exportedFns.has(key)) exportedFns.set(key, new Set());
    exportedFns.get(key)!.add(fn.name);
  }
  const fits = (key: string, d: InterfaceDocs | undefined): d is InterfaceDocs =>
    d !== undefined && Object.keys(d.funcs ?? {}).every((f) => exportedFns.get(key)?.has(f));

  let worldName: string | null = null;
  const interfaceDocs = (name: string): InterfaceDocs | undefined => {
    if (name.includes(':')) {
      const key = shortInterfaceName(name);
      const d = docs.interfaces?.[key];
      const known = inPackage(name);
      if (known !== null) return known ? d : undefined;
      return fits(key, d) ? d : undefined;
    }
    for (const [, w] of worlds) {
      const d = w.interface_exports?.[name] ?? w.interfaces?.[name];
      if (fits(name, d)) return d;
    }
    return undefined;
  };
  const typeDocs = (t: { name?: string; owner?: string }): TypeDocs | undefined => {
    if (!t.name) return undefined;
    if (t.owner) {
      if (t.owner.includes(':')) {
        if (inPackage(t.owner) === false) return undefined;
        return docs.interfaces?.[shortInterfaceName(t.owner)]?.types?.[t.name];
      }
      for (const [, w] of worlds) {
        const d = (w.interface_exports?.[t.owner] ?? w.interfaces?.[t.owner])?.types?.[t.name];
        if (d) return d;
      }
      return undefined;
    }
    for (const [, w] of worlds) if (w.types?.[t.name]) return w.types[t.name];
    return undefined;
  };

  const seen = new Map<WitType, WitType>();
  const annotate = (t: WitType): WitType => {
    const done = seen.get(t);
    if (done) return done;
    let out: WitType;
    switch (t.kind) {
      case 'list':
        out = { ...t, element: annotate(t.element) };
        break;
      case 'option':
        out = { ...t, some: annotate(t.some) };
        break;
      case 'result':
        out = { ...t, ok: t.ok && annotate(t.ok), err: t.err && annotate(t.err) };
        break;
      case 'tuple':
        out = { ...t, items: t.items.map(annotate) };
        break;
      case 'record': {
        const d = typeDocs(t);
        out = { ...t, ...docsOf(d), fields: t.fields.map((f) => ({ ...f, ...itemDocs(d, f.name), type: annotate(f.type) })) };
        break;
      }
      case 'variant': {
        const d = typeDocs(t);
        out = {
          ...t,
          ...docsOf(d),
          cases: t.cases.map((c) => ({ ...c, ...itemDocs(d, c.name), type: c.type && annotate(c.type) })),
        };
        break;
      }
      case 'enum': {
        const d = typeDocs(t);
        out = { ...t, ...docsOf(d), cases: t.cases.map((c) => ({ ...c, ...itemDocs(d, c.name) })) };
        break;
      }
      case 'flags': {
        const d = typeDocs(t);
        out = { ...t, ...docsOf(d), flags: t.flags.map((f) => ({ ...f, ...itemDocs(d, f.name) })) };
        break;
      }
      default:
        out = t;
    }
    seen.set(t, out);
    return out;
  };

  const exports = iface.exports.map((fn): ExportedFunction => {
    let raw: string | undefined;
    if (fn.interface === null) {
      for (const [name, w] of worlds) {
        raw = funcDocs(w.func_exports?.[fn.name] ?? w.funcs?.[fn.name]);
        if (raw !== undefined) {
          worldName ??= name;
          break;
        }
      }
    } else {
      raw = funcDocs(interfaceDocs(fn.interface)?.funcs?.[fn.name]);
    }
    const split = splitParamDocs(
      raw ?? fn.docs,
      fn.params.map((p) => p.name),
    );
    return {
      ...fn,
      docs: split.docs,
      params: fn.params.map((p) => {
        const pd = split.params.get(p.name) ?? p.docs;
        return { ...p, ...(pd ? { docs: pd } : {}), type: annotate(p.type) };
      }),
      result: fn.result && annotate(fn.result),
    };
  });
  return { ...iface, world: worldName ?? iface.world, exports };
}

function docsOf(d: TypeDocs | undefined): { docs?: string } {
  return d?.docs ? { docs: d.docs } : {};
}

function itemDocs(d: TypeDocs | undefined, name: string): { docs?: string } {
  const s = d?.items?.[name];
  return s ? { docs: s } : {};
}
