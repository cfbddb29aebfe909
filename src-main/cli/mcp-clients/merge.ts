import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { isPlainObject } from '../../engine/plain-object.js';

export type MergeResult =
  | { status: 'unchanged' }
  | { status: 'written'; backup: string | null; replaced: boolean }
  | { status: 'refused'; reason: string };

/**
 * Adds (or updates) one server entry in a client's JSON config, leaving everything else as it was.
 * A file that is not plain JSON (e.g. JSONC with comments) is refused rather than rewritten without its
 * comments; the original is copied aside before any write, and the write is atomic (temp file + rename).
 */
export function mergeServerEntry(opts: {
  path: string;
  serversKey: string;
  name: string;
  entry: Record<string, unknown>;
  now?: Date;
}): MergeResult {
  const { path, serversKey, name, entry } = opts;
  let config: Record<string, unknown> = {};
  const exists = existsSync(path);
  if (exists) {
    const text = readFileSync(path, 'utf8');
    if (text.trim()) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        return { status: 'refused', reason: `${path} is not plain JSON (${(err as Error).message}); it was left unchanged` };
      }
      if (!isPlainObject(parsed))
        return { status: 'refused', reason: `${path} does not hold a JSON object; it was left unchanged` };
      config = parsed;
    }
  }
  const servers = config[serversKey] ?? {};
  if (!isPlainObject(servers)) {
    return { status: 'refused', reason: `"${serversKey}" in ${path} is not an object; it was left unchanged` };
  }
  if (isDeepStrictEqual(servers[name], entry)) return { status: 'unchanged' };
  const replaced = name in servers;
  const next = { ...config, [serversKey]: { ...servers, [name]: entry } };

  mkdirSync(dirname(path), { recursive: true });
  let backup: string | null = null;
  if (exists) {
    backup = `${path}.weld-backup-${(opts.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
    copyFileSync(path, backup);
  }
  const tmp = `${path}.weld-tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: exists ? statSync(path).mode & 0o777 : 0o600 });
  renameSync(tmp, path);
  return { status: 'written', backup, replaced };
}

/** Whether a config already has a server entry under `name`; false for unreadable files. */
export function hasServerEntry(path: string, serversKey: string, name: string): boolean {
  try {
    const config = JSON.parse(readFileSync(path, 'utf8'));
    return isPlainObject(config) && isPlainObject(config[serversKey]) && name in config[serversKey];
  } catch {
    return false;
  }
}
