// Reads files only through the directories the host preopened for this component: it has no other
// way to reach the file system, so whatever the host did not grant simply is not there.
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

const MAX_BYTES = 1024 * 1024;

export function readFile(path) {
  const { dir, rest } = resolve(path);
  const file = call(() => dir.openAt({ symlinkFollow: true }, rest, {}, { read: true }), path);
  // Handles are host file descriptors: give them back at once, or a long-lived instance runs out.
  try {
    return readOpened(file, path);
  } finally {
    file[Symbol.dispose]?.();
  }
}

function readOpened(file, path) {
  const { type, size } = call(() => file.stat(), path);
  if (type !== 'regular-file') throw `${path} is not a file (it is a ${type})`;
  if (size > BigInt(MAX_BYTES)) throw `${path} is ${size} bytes; this tool reads files up to ${MAX_BYTES} bytes`;
  const chunks = [];
  let offset = 0n;
  for (;;) {
    const [bytes, end] = call(() => file.read(65536n, offset), path);
    chunks.push(bytes);
    offset += BigInt(bytes.length);
    if (end || bytes.length === 0) break;
    // The file may have grown since stat().
    if (offset > BigInt(MAX_BYTES)) throw `${path} is larger than ${MAX_BYTES} bytes; this tool reads files up to that size`;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(concat(chunks));
  } catch {
    throw `${path} is not UTF-8 text`;
  }
}

export function listDir(path) {
  const { dir, rest } = resolve(path);
  // Opened again even for the granted directory itself: a preopen handle need not allow reading entries.
  const target = call(() => dir.openAt({ symlinkFollow: true }, rest, { directory: true }, { read: true }), path);
  try {
    const entries = call(() => target.readDirectory(), path);
    const names = [];
    try {
      for (;;) {
        const entry = call(() => entries.readDirectoryEntry(), path);
        if (!entry) break;
        names.push(entry.type === 'directory' ? `${entry.name}/` : entry.name);
      }
    } finally {
      entries[Symbol.dispose]?.();
    }
    return names.sort();
  } finally {
    target[Symbol.dispose]?.();
  }
}

/** Picks the granted directory a path belongs to: relative paths go to the first one. */
function resolve(path) {
  if (typeof path !== 'string' || path === '') throw 'path must be a non-empty string';
  const dirs = getDirectories();
  if (dirs.length === 0) throw 'no directory has been granted to this tool';
  if (!path.startsWith('/')) return { dir: dirs[0][0], rest: path };
  let best;
  for (const [dir, name] of dirs) {
    const root = name.endsWith('/') ? name : `${name}/`;
    if ((path === name || path.startsWith(root)) && (!best || name.length > best.name.length)) best = { dir, name };
  }
  if (!best) throw `${path} is outside the granted directories (${dirs.map(([, n]) => n).join(', ')})`;
  const rest = path.slice(best.name.length).replace(/^\/+/, '');
  return { dir: best.dir, rest: rest === '' ? '.' : rest };
}

/** Turns a WASI error code into a sentence that names the path. */
function call(fn, path) {
  try {
    return fn();
  } catch (err) {
    const code = err?.payload ?? err;
    const known = {
      'no-entry': 'does not exist',
      access: 'is not accessible to this tool',
      'not-permitted': 'is not accessible to this tool',
      'not-directory': 'is not a directory',
      'is-directory': 'is a directory',
      loop: 'has too many symbolic links',
    };
    throw `${path} ${known[code] ?? `could not be read (${code})`}`;
  }
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
