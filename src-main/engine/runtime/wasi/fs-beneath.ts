import { closeSync, constants, existsSync, lstatSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { MAX_PATH_CHARS } from '../../policy/glob.js';
import { inside } from './fs-access.js';
import { Refusal } from './fs-errors.js';

/**
 * Path resolution that cannot leave a directory, for a runtime without openat(2).
 *
 * On Linux every step goes through /proc/self/fd/<dir>/<name>: the kernel resolves that relative to
 * the directory the descriptor really is, not to whatever a path string names now, so a directory
 * swapped for a symlink between two steps is not followed (every step opens with O_NOFOLLOW).
 * Symlinks are expanded here, one component at a time, and a target that climbs above the starting
 * directory or is absolute is refused. Elsewhere there is no such anchor: the same walk runs on
 * path strings and the real path is checked after the fact (racy, but still refuses plain escapes).
 */

export const PINNED = process.platform === 'linux' && existsSync('/proc/self/fd');
const WINDOWS = process.platform === 'win32';

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
const MAX_SYMLINKS = 40;

/** A directory during a walk: an open descriptor (Linux) and its path. */
export interface Dir {
  /** -1 where directories are not held open (no /proc). */
  fd: number;
  path: string;
}

/** Host path naming `name` inside `dir` (the directory itself without a name). */
export function at(dir: Dir, name?: string): string {
  if (dir.fd >= 0) return name === undefined ? `/proc/self/fd/${dir.fd}` : `/proc/self/fd/${dir.fd}/${name}`;
  return name === undefined ? dir.path : join(dir.path, name);
}

/** The real path of `name` in the directory `dir`; a mount of / must not turn into `//name`, which no rule matches. */
export function childPath(dir: string, name: string): string {
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/** Where an open descriptor (or, without /proc, a path) really is now. */
export function realOf(fd: number, path: string): string {
  return fd >= 0 && PINNED ? readlinkSync(`/proc/self/fd/${fd}`) : realpathSync(path);
}

/** Opens a directory for walking; without /proc only its path is kept. */
export function openDir(path: string): Dir {
  if (!PINNED) return { fd: -1, path };
  return { fd: openSync(path, constants.O_RDONLY | O_DIRECTORY | O_NOFOLLOW), path };
}

export interface Walked {
  /** The directory holding the target (owned by the walk unless it is the start). */
  dir: Dir;
  /** The target's name in `dir`; null when the path names `dir` itself ('.', 'a/..'). */
  name: string | null;
  /** Real host path of the target. */
  real: string;
  /** Real host path of `dir`. */
  realDir: string;
  /** The path ended in '/': the target must be a directory. */
  mustBeDir: boolean;
  /** Closes the directories the walk opened. */
  release(): void;
}

export interface WalkOptions {
  /** Expand a symlink in the final component too (intermediate ones always are). */
  follow: boolean;
  /** Real root every step must stay under (the mount). */
  boundary: string;
  /** Called with the real path of every directory the walk enters; throws to stop it. */
  enter(real: string): void;
}

function segments(path: string): string[] {
  const out: string[] = [];
  for (const s of path.split(WINDOWS ? /[\\/]/ : '/')) {
    if (s === '' || s === '.') continue;
    // A drive-relative name ("C:x") would escape on Windows.
    if (WINDOWS && s.includes(':')) throw new Refusal('not-permitted', 'drive name in path');
    out.push(s);
  }
  return out;
}

/** Checks a guest-supplied path before any host call sees it. */
export function checkGuestPath(path: unknown): string {
  if (typeof path !== 'string') throw 'invalid';
  // Bounded before anything (a deny check, an audit row) looks at it: no file system has longer paths.
  if (path.length > MAX_PATH_CHARS) throw 'name-too-long';
  if (path.includes('\0')) throw 'invalid';
  if (path === '') throw 'no-entry';
  if (path.startsWith('/') || (WINDOWS && /^([a-zA-Z]:|\\)/.test(path))) throw new Refusal('not-permitted', 'absolute path');
  return path;
}

/**
 * Resolves `path` beneath `start` (whose real path is `startReal`). `..` may climb back to `start`
 * but never above it: that is the boundary cap-std and Wasmtime give a WASI descriptor too.
 */
export function walk(start: Dir, startReal: string, path: string, opts: WalkOptions): Walked {
  checkGuestPath(path);
  if (!inside(opts.boundary, startReal))
    throw new Refusal('not-permitted', 'the directory has moved outside the mount', startReal);
  const mustBeDir = path.endsWith('/') || (WINDOWS && path.endsWith('\\'));
  const stack: { dir: Dir; real: string }[] = [{ dir: start, real: startReal }];
  const release = () => {
    for (let i = stack.length - 1; i > 0; i--) if (stack[i].dir.fd >= 0) closeSync(stack[i].dir.fd);
    stack.length = 1;
  };
  try {
    let pending = segments(path);
    let hops = 0;
    let name: string | null = null;
    while (pending.length) {
      const seg = pending.shift() as string;
      const top = stack[stack.length - 1];
      if (seg === '..') {
        if (stack.length === 1) throw new Refusal('not-permitted', '.. above the directory', join(startReal, path));
        const left = stack.pop() as { dir: Dir };
        if (left.dir.fd >= 0) closeSync(left.dir.fd);
        continue;
      }
      const last = pending.length === 0;
      // A final name that is neither followed nor required to be a directory is used as it is: the
      // operation itself never follows it (O_NOFOLLOW, lstat, unlink...), so looking first is wasted.
      if (last && !opts.follow && !mustBeDir) {
        name = seg;
        break;
      }
      const here = at(top.dir, seg);
      const st = lstatSync(here, { throwIfNoEntry: false });
      if (!st) {
        if (last) {
          name = seg;
          break;
        }
        throw 'no-entry';
      }
      if (st.isSymbolicLink() && (!last || opts.follow || mustBeDir)) {
        if (++hops > MAX_SYMLINKS) throw 'loop';
        const target = readlinkSync(here);
        const real = childPath(top.real, seg);
        if (target.startsWith('/') || (WINDOWS && /^([a-zA-Z]:|\\)/.test(target)))
          throw new Refusal('not-permitted', `symlink ${real} points to an absolute path`, real);
        pending = [...segments(target), ...pending];
        continue;
      }
      if (last) {
        if (mustBeDir && !st.isDirectory()) throw 'not-directory';
        name = seg;
        break;
      }
      if (!st.isDirectory()) throw 'not-directory';
      const real = childPath(top.real, seg);
      opts.enter(real);
      const dir =
        top.dir.fd >= 0
          ? { fd: openSync(here, constants.O_RDONLY | O_DIRECTORY | O_NOFOLLOW), path: real }
          : { fd: -1, path: here };
      stack.push({ dir, real });
    }
    const top = stack[stack.length - 1];
    // The one check that does not trust the walk: where the directory we ended in really is.
    const realDir = stack.length === 1 ? startReal : realOf(top.dir.fd, top.dir.path);
    if (!inside(opts.boundary, realDir)) throw new Refusal('not-permitted', 'resolved outside the mount', realDir);
    if (realDir !== top.real) throw new Refusal('access', 'a directory changed while resolving the path', realDir);
    return {
      dir: top.dir,
      name,
      real: name === null ? realDir : childPath(realDir, name),
      realDir,
      mustBeDir,
      release,
    };
  } catch (err) {
    release();
    throw err;
  }
}
