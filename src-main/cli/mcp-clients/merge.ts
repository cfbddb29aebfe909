import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
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
  /** Client-side secret prompts (VS Code `inputs`), added or replaced by id beside the others. */
  inputs?: { id: string }[];
  /** The entry holds a secret (a bearer token): the file is written 0600 whatever its mode was. */
  secret?: boolean;
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
  const oldInputs = config.inputs ?? [];
  if (opts.inputs && !Array.isArray(oldInputs)) {
    return { status: 'refused', reason: `"inputs" in ${path} is not a list; it was left unchanged` };
  }
  const inputs = opts.inputs && [
    ...(oldInputs as unknown[]).filter((i) => !opts.inputs?.some((n) => isPlainObject(i) && i.id === n.id)),
    ...opts.inputs,
  ];
  const mode = exists ? statSync(path).mode & 0o777 : 0o600;
  const sameInputs = !inputs || isDeepStrictEqual(new Set(inputs), new Set(oldInputs as unknown[]));
  if (isDeepStrictEqual(servers[name], entry) && sameInputs && (!opts.secret || mode === 0o600)) return { status: 'unchanged' };
  const replaced = name in servers;
  const next = { ...config, ...(inputs ? { inputs } : {}), [serversKey]: { ...servers, [name]: entry } };

  mkdirSync(dirname(path), { recursive: true });
  let backup: string | null = null;
  if (exists) {
    backup = `${path}.weld-backup-${(opts.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
    copyFileSync(path, backup);
  }
  const tmp = `${path}.weld-tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: opts.secret ? 0o600 : mode });
  // The mode option applies only to new files, and umask narrows it: set it exactly.
  chmodSync(tmp, opts.secret ? 0o600 : mode);
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
