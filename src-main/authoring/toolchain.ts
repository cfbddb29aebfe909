import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Finds a package's ESM entry by walking up node_modules folders from `fromDirs` in order: the tool
 * project's own toolchain wins, Weld's dev install is the fallback. Resolved by hand because
 * componentize-js exports only an `import` condition that require.resolve cannot see.
 */
export function findPackageEntry(name: string, fromDirs: string[], subpath = '.'): string | undefined {
  for (const start of fromDirs) {
    for (let dir = start; ; dir = dirname(dir)) {
      const pkgDir = join(dir, 'node_modules', name);
      const pkgJson = join(pkgDir, 'package.json');
      if (existsSync(pkgJson)) {
        const entry = entryOf(JSON.parse(readFileSync(pkgJson, 'utf8')), subpath);
        if (entry) return join(pkgDir, entry);
      }
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

function entryOf(pkg: { exports?: unknown; main?: string; module?: string }, subpath: string): string | undefined {
  const exp = pkg.exports;
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target;
    if (target && typeof target === 'object') {
      const t = target as Record<string, unknown>;
      return pick(t.node) ?? pick(t.import) ?? pick(t.default);
    }
    return undefined;
  };
  if (exp && typeof exp === 'object' && !Array.isArray(exp)) {
    const map = exp as Record<string, unknown>;
    const key = subpath === '.' ? '.' : `./${subpath.replace(/^\.\//, '')}`;
    if (key in map) return pick(map[key]);
    for (const [pattern, target] of Object.entries(map)) {
      const star = pattern.indexOf('*');
      if (star < 0 || !key.startsWith(pattern.slice(0, star)) || !key.endsWith(pattern.slice(star + 1))) continue;
      const matched = key.slice(star, key.length - (pattern.length - star - 1));
      return pick(target)?.replaceAll('*', matched);
    }
    if (subpath === '.' && !Object.keys(map).some((k) => k.startsWith('.'))) return pick(map);
    return undefined;
  }
  if (typeof exp === 'string' && subpath === '.') return exp;
  return subpath === '.' ? (pkg.module ?? pkg.main ?? 'index.js') : undefined;
}

export async function importFrom<T>(name: string, fromDirs: string[], subpath = '.'): Promise<T> {
  const entry = findPackageEntry(name, fromDirs, subpath);
  if (!entry) {
    throw new Error(`${name} is not installed. Run \`npm install\` in the tool project (it is one of its devDependencies).`);
  }
  return import(pathToFileURL(entry).href) as Promise<T>;
}
