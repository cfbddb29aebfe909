import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExportedFunction } from '../schema/index.js';
import { viewOutputStreamWrites } from './glue-patches.js';

/** Bump when the glue options change, so caches written by an older Weld are rebuilt. */
const CACHE_FORMAT = 1;
const GLUE = 'component.mjs';

export interface CachedComponent {
  dir: string;
  glueUrl: string;
  /** Core module file names the glue loads. */
  modules: string[];
  /** The exports' signatures, so loading an installed component parses nothing. */
  functions: ExportedFunction[];
}

interface Meta {
  format: number;
  modules: string[];
  functions: ExportedFunction[];
}

export function cacheDir(cacheRoot: string, digest: string): string {
  return join(cacheRoot, 'components', digest.replace(/^sha256:/, ''));
}

/** The transpiled component for a digest, if a usable cache entry exists. */
export function readCached(cacheRoot: string, digest: string): CachedComponent | undefined {
  const dir = cacheDir(cacheRoot, digest);
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
    if (meta.format !== CACHE_FORMAT || ![GLUE, ...meta.modules].every((m) => existsSync(join(dir, m)))) return undefined;
    return { dir, glueUrl: pathToFileURL(join(dir, GLUE)).href, modules: meta.modules, functions: meta.functions };
  } catch {
    return undefined;
  }
}

/**
 * Transpiles once per digest (1-2 s for a componentize-js component) and keeps the glue and core
 * modules on disk. jco-transpile is imported here only: serving installed tools never loads it.
 */
export async function transpileToCache(
  cacheRoot: string,
  digest: string,
  bytes: Uint8Array,
  functions: ExportedFunction[],
): Promise<CachedComponent> {
  const hit = readCached(cacheRoot, digest);
  if (hit) return hit;
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  const out = await transpileBytes(bytes, { name: 'component', instantiation: 'async', emitTypescriptDeclarations: false });
  const dir = cacheDir(cacheRoot, digest);
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const modules: string[] = [];
  for (const [name, data] of Object.entries(out.files)) {
    if (name.includes('/') || name.endsWith('.d.ts')) continue;
    // .mjs: the data dir has no package.json saying "type": "module", and the glue is an ES module.
    if (name === 'component.js') writeFileSync(join(tmp, GLUE), viewOutputStreamWrites(Buffer.from(data).toString('utf8')).glue);
    else writeFileSync(join(tmp, name), data);
    if (name.endsWith('.wasm')) modules.push(name);
  }
  writeFileSync(join(tmp, 'meta.json'), JSON.stringify({ format: CACHE_FORMAT, modules, functions } satisfies Meta));
  // Rename into place so a concurrent reader sees the whole entry or none of it.
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return readCached(cacheRoot, digest) as CachedComponent;
}

export function removeCached(cacheRoot: string, digest: string): void {
  rmSync(cacheDir(cacheRoot, digest), { recursive: true, force: true });
}
