import { z } from 'zod';
import { componentSections, customSection, encodeCustomSection, isComponent } from './binary-reader.js';
import type { ComponentInterface, ExportedFunction, WitType } from './wit-type.js';

// The `package-docs` custom section of wit-component (wit-parser's PackageMetadata): one version
// byte (0, or 1 once stability annotations appear), then JSON with the doc comments of one WIT
// package. wit-component writes it into WIT packages; componentize-js drops doc comments, so Weld's
// build appends one to the component, as the wit-docs-inject tool does for Wassette. Keys are the
// wire format's (snake_case), so what Weld writes is what wasm-tools reads, and vice versa.

export const PACKAGE_DOCS_SECTION = 'package-docs';

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
const PackageDocsSchema = z.object({
  docs: z.string().optional(),
  worlds: z.record(z.string(), WorldDocs).optional(),
  interfaces: z.record(z.string(), InterfaceDocs).optional(),
});

export type PackageDocs = z.infer<typeof PackageDocsSchema>;
export type InterfaceDocs = z.infer<typeof InterfaceDocs>;
export type WorldDocs = z.infer<typeof WorldDocs>;
export type TypeDocs = z.infer<typeof TypeDocs>;
type FunctionDocs = z.infer<typeof FunctionDocs>;

/** Parses the payload of a `package-docs` section. */
export function decodePackageDocs(data: Uint8Array): PackageDocs {
  const version = data[0];
  if (version !== 0 && version !== 1) throw new Error(`package-docs: unsupported format version ${version ?? '(empty)'}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(1)));
  } catch (e) {
    throw new Error(`package-docs: not valid JSON (${(e as Error).message})`);
  }
  const parsed = PackageDocsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`package-docs: ${issue.message} at ${issue.path.join('.') || 'top level'}`);
  }
  return parsed.data;
}

/** The payload of a `package-docs` section: format 0 unless it needs the export-only maps of format 1. */
export function encodePackageDocs(docs: PackageDocs): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(docs));
  const out = new Uint8Array(json.length + 1);
  out[0] = Object.values(docs.worlds ?? {}).some((w) => w.func_exports || w.interface_exports) ? 1 : 0;
  out.set(json, 1);
  return out;
}

/** The docs in a component's top-level `package-docs` section, or null when it has none. */
export function readPackageDocs(componentBytes: Uint8Array): PackageDocs | null {
  for (const s of componentSections(componentBytes)) {
    if (s.id !== 0) continue;
    const { name, data } = customSection(componentBytes, s);
    if (name === PACKAGE_DOCS_SECTION) return decodePackageDocs(data);
  }
  return null;
}

/**
 * `componentBytes` with `docs` as its only top-level `package-docs` section (wasm-tools refuses a
 * component that has two).
 */
export function withPackageDocs(componentBytes: Uint8Array, docs: PackageDocs): Uint8Array {
  if (!isComponent(componentBytes)) throw new Error('not a WebAssembly component');
  const parts: Uint8Array[] = [componentBytes.subarray(0, 8)];
  for (const s of componentSections(componentBytes)) {
    if (s.id === 0 && customSection(componentBytes, s).name === PACKAGE_DOCS_SECTION) continue;
    parts.push(componentBytes.subarray(s.start, s.end));
  }
  parts.push(encodeCustomSection(PACKAGE_DOCS_SECTION, encodePackageDocs(docs)));
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

/**
 * `iface` with doc comments from `docs` attached: function docs, parameter docs (`@param`), and the
 * docs of records, variants, enums and flags with those of their fields and cases.
 * The section names no package, so an interface's entry is used only when every function it
 * documents exists in the exported interface of that name.
 */
export function applyPackageDocs(iface: ComponentInterface, docs: PackageDocs): ComponentInterface {
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
      const own = t.owner.includes(':') ? docs.interfaces?.[shortInterfaceName(t.owner)] : undefined;
      if (own) return own.types?.[t.name];
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
