import { createHash } from 'node:crypto';
import type { ToolDescriptor } from '../store/components.js';
import { inputSchema, outputSchema } from './json-schema.js';
import { toolDescription } from './tool-description.js';
import { type ExportedFunction, exportPath, unsupportedReason } from './wit-type.js';

// Tool names (MCP: ^[a-zA-Z0-9_-]{1,128}$), deterministic from the set of exports alone, in WIT's own
// kebab-case throughout (`-` is the only separator):
//   a function                 fetch-issue, local:notes/search@0.1.0#find-notes -> fetch-issue, find-notes
//   ...an interface function whose name is taken  -> search-find-notes
//   ...still taken (search in two packages)       -> local-notes-search-find-notes
//   ...still taken (two versions of one package)  -> local-notes-search-0-1-0-find-notes
//   ...still taken                                -> the later ones in export order get -2, -3, ...
// A world function keeps its plain name: only the interface functions it collides with are qualified.

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
  const clean = name.replace(/[^a-zA-Z0-9-]/g, '-');
  if (clean.length <= MAX_NAME) return clean;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${clean.slice(0, MAX_NAME - 9)}-${hash}`;
}

const LEVELS = 3;

function nameAt(fn: ExportedFunction, level: number): string {
  if (fn.interface === null || level === 0) return fn.name;
  const p = interfaceParts(fn.interface);
  if (level === 1 || p.ns === null) return `${p.iface}-${fn.name}`;
  if (level === 2 || p.version === null) return `${p.ns}-${p.pkg}-${p.iface}-${fn.name}`;
  return `${p.ns}-${p.pkg}-${p.iface}-${p.version}-${fn.name}`;
}

/** Tool names for `fns`, in the same order: the shortest unambiguous form for each. */
export function toolNames(fns: readonly ExportedFunction[]): string[] {
  const levels = fns.map(() => 0);
  let names = fns.map((fn) => sanitize(nameAt(fn, 0)));
  for (let round = 0; round < LEVELS; round++) {
    const counts = countOf(names);
    let moved = false;
    fns.forEach((fn, i) => {
      if (counts.get(names[i]!)! > 1 && fn.interface !== null && levels[i]! < LEVELS) {
        levels[i]! += 1;
        moved = true;
      }
    });
    if (!moved) break;
    names = fns.map((fn, i) => sanitize(nameAt(fn, levels[i]!)));
  }
  // Names that are still equal (punctuation that sanitizes alike): numbered in export order.
  const taken = new Set(names);
  const seen = new Set<string>();
  return names.map((n) => {
    if (!seen.has(n)) {
      seen.add(n);
      return n;
    }
    let k = 2;
    while (taken.has(sanitize(`${n}-${k}`))) k++;
    const numbered = sanitize(`${n}-${k}`);
    taken.add(numbered);
    return numbered;
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

/** One MCP tool per callable export. */
export function toolsForExports(fns: readonly ExportedFunction[]): ToolDescriptor[] {
  const callable = callableExports(fns);
  const names = toolNames(callable);
  return callable.map((fn, i) => {
    const tool: ToolDescriptor = {
      name: names[i]!,
      export: exportPath(fn),
      description: toolDescription(fn),
      inputSchema: inputSchema(fn),
    };
    const out = outputSchema(fn);
    if (out) tool.outputSchema = out;
    return tool;
  });
}
