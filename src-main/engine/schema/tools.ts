import { createHash } from 'node:crypto';
import type { ToolDescriptor } from '../store/components.js';
import { inputSchema, outputSchema } from './json-schema.js';
import { type ExportedFunction, exportPath, unsupportedReason } from './wit-type.js';

// Tool names (MCP: ^[a-zA-Z0-9_-]{1,128}$), deterministic from the set of exports alone:
//   world function            fetch-issue                          -> fetch-issue
//   interface function        local:notes/search@0.1.0#find-notes  -> search_find-notes
//   ...same short name twice  (search in two packages)             -> local_notes_search_find-notes
//   ...same package twice     (two versions of one interface)      -> local_notes_search_0-1-0_find-notes
// WIT names never contain `_`, so the levels (0, 1, 3 and 4 underscores) cannot collide with each other.

const MAX_NAME = 128;

interface Parts {
  ns: string | null;
  pkg: string | null;
  iface: string;
  version: string | null;
}

function interfaceParts(name: string): Parts {
  const m = /^([^:/@]+):([^:/@]+)\/([^@]+)(?:@(.+))?$/.exec(name);
  if (!m) return { ns: null, pkg: null, iface: name, version: null };
  return { ns: m[1]!, pkg: m[2]!, iface: m[3]!, version: m[4] ?? null };
}

function sanitize(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_-]/g, '-');
  if (clean.length <= MAX_NAME) return clean;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${clean.slice(0, MAX_NAME - 9)}-${hash}`;
}

function nameAt(fn: ExportedFunction, level: number): string {
  if (fn.interface === null) return fn.name;
  const p = interfaceParts(fn.interface);
  if (level === 0 || p.ns === null) return `${p.iface}_${fn.name}`;
  if (level === 1 || p.version === null) return `${p.ns}_${p.pkg}_${p.iface}_${fn.name}`;
  return `${p.ns}_${p.pkg}_${p.iface}_${p.version}_${fn.name}`;
}

/** Tool names for `fns`, in the same order: the shortest unambiguous form for each. */
export function toolNames(fns: readonly ExportedFunction[]): string[] {
  const names = fns.map((fn) => nameAt(fn, 0));
  for (let level = 1; level <= 2; level++) {
    const counts = countOf(names);
    fns.forEach((fn, i) => {
      if (counts.get(names[i]!)! > 1) names[i] = nameAt(fn, level);
    });
  }
  const out = names.map(sanitize);
  // Two versions that differ only in punctuation sanitize alike: number them in export order.
  const seen = new Map<string, number>();
  return out.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : sanitize(`${n}_${k}`);
  });
}

function countOf(names: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of names) m.set(n, (m.get(n) ?? 0) + 1);
  return m;
}

/** The exports a JSON caller can use: resource types, streams and futures cannot cross as JSON. */
export function callableExports(fns: readonly ExportedFunction[]): ExportedFunction[] {
  return fns.filter((fn) => unsupportedReason(fn) === null);
}

/**
 * One MCP tool per callable export. `component` names the component in generated descriptions,
 * used when the WIT carries no doc comment for the function.
 */
export function toolsForExports(fns: readonly ExportedFunction[], component = 'the component'): ToolDescriptor[] {
  const callable = callableExports(fns);
  const names = toolNames(callable);
  return callable.map((fn, i) => {
    const tool: ToolDescriptor = {
      name: names[i]!,
      export: exportPath(fn),
      description: fn.docs.trim() || `Calls ${exportPath(fn)} of ${component}.`,
      inputSchema: inputSchema(fn),
    };
    const out = outputSchema(fn);
    if (out) tool.outputSchema = out;
    return tool;
  });
}
