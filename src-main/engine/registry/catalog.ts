import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { RegistryError } from './errors.js';
import { parseReference } from './reference.js';

/** One entry of a component catalog, in the format of Wassette's component-registry.json. */
const CatalogEntry = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(2000),
  uri: z.string().refine(
    (u) => {
      try {
        parseReference(u);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be an oci:// reference' },
  ),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

const Catalog = z.array(CatalogEntry).max(10_000);
const MAX_CATALOG_BYTES = 4 * 1024 * 1024;
const MAX_RESULTS = 50;

export function userCatalogPath(home: string): string {
  return join(home, 'catalog.json');
}

/** Finds the catalog shipped in resources/, from the source tree, the built out/main or a packaged app. */
export function bundledCatalogPath(from: string = import.meta.dirname): string | null {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'resources', 'catalog.json');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return null;
}

export function loadCatalog(path: string): CatalogEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RegistryError('bad-input', `cannot read catalog ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  if (text.length > MAX_CATALOG_BYTES) throw new RegistryError('too-large', `catalog ${path} is over 4 MiB`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RegistryError('bad-input', `catalog ${path} is not valid JSON`);
  }
  const r = Catalog.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new RegistryError('bad-input', `catalog ${path} is not valid: [${i.path.join('.')}] ${i.message}`);
  }
  return r.data;
}

/**
 * Case-insensitive search over every word of `term` in name, description and uri. Catalogs earlier in
 * `paths` win when two list the same uri; missing optional catalogs are skipped.
 */
export function searchCatalogs(paths: { path: string; optional: boolean }[], term: string): CatalogEntry[] {
  const words = term.toLowerCase().split(/\s+/).filter(Boolean);
  const seen = new Set<string>();
  const hits: CatalogEntry[] = [];
  for (const { path, optional } of paths) {
    if (optional && !existsSync(path)) continue;
    for (const entry of loadCatalog(path)) {
      if (seen.has(entry.uri)) continue;
      seen.add(entry.uri);
      const hay = `${entry.name}\n${entry.description}\n${entry.uri}`.toLowerCase();
      if (words.every((w) => hay.includes(w))) hits.push(entry);
    }
  }
  return hits.slice(0, MAX_RESULTS);
}

/** Which catalogs a search reads: an explicit path alone, else the user's then the bundled one. */
export function catalogSources(home: string, explicit?: string): { path: string; optional: boolean }[] {
  if (explicit) return [{ path: explicit, optional: false }];
  const bundled = bundledCatalogPath();
  return [{ path: userCatalogPath(home), optional: true }, ...(bundled ? [{ path: bundled, optional: false }] : [])];
}
