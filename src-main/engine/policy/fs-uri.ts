import { isAbsolute, join, posix } from 'node:path';
import picomatch from 'picomatch';
import { compileGlob, MAX_PATH_CHARS } from './glob.js';
import { HOST_PATHS, type PathRules } from './path-rules.js';

/**
 * `fs://` URIs name host paths in policies, grants and requests. Three spellings:
 *   fs:///abs/path/**   absolute
 *   fs://~/notes/**     below the home directory of the person running Weld
 *   fs://data/**        relative: below the component's own workspace, <data dir>/workspaces/<component>/.
 * A component author cannot know the user's disk, so a relative path can only sensibly mean "a place
 * for this component"; it also keeps two components that both ask for `fs://cache` apart.
 * `..` segments are refused everywhere: a relative URI must not climb out of the workspace, and a
 * person reading a request should see the real target without resolving it in their head.
 */
export type FsForm = 'absolute' | 'home' | 'relative';

export interface FsUri {
  form: FsForm;
  /** The path after the form's anchor, without leading `/`, `~/` or `./`; may be ''. */
  rest: string;
}

export interface FsAnchors {
  home: string;
  workspace: string;
}

export interface ResolvedFs {
  /** Canonical URI: always absolute, `fs:///...`. */
  uri: string;
  /** Absolute host path or glob. */
  pattern: string;
  /** Longest directory of `pattern` without glob characters: what a sandbox preopens. */
  base: string;
  isGlob: boolean;
}

export function parseFsUri(text: string): FsUri {
  if (typeof text !== 'string' || !text.startsWith('fs://'))
    throw new Error(`"${text}" is not an fs:// URI (e.g. "fs:///data/**", "fs://~/notes")`);
  let rest = text.slice('fs://'.length);
  if (rest === '') throw new Error('"fs://" names no path');
  if (rest.includes('\0')) throw new Error('an fs:// URI cannot contain a NUL character');
  if (/\\(?![*?[\]{}()!+@\\])/.test(rest.replace(/\\\\/g, ''))) {
    throw new Error(`"${text}": use / as the path separator (\\ only escapes a glob character, as in \\*)`);
  }
  let form: FsForm;
  if (rest.startsWith('/')) form = 'absolute';
  else if (rest === '~' || rest.startsWith('~/')) {
    form = 'home';
    rest = rest.slice(1);
  } else if (rest.startsWith('~')) throw new Error(`"${text}": only "~/" (your own home) is supported, not ~user`);
  else form = 'relative';
  const segments = rest.split('/').filter((s) => s !== '' && s !== '.');
  for (const s of segments) {
    if (s === '..') throw new Error(`"${text}": ".." is not allowed in fs:// URIs; write the path it leads to`);
    if (s.includes('**') && s !== '**') throw new Error(`"${text}": "**" must be a whole path segment (like /a/**/b)`);
  }
  const joined = segments.join('/');
  try {
    // Refused here, where a person or a policy author sees the URI, not when a rule first runs. A
    // literal path (a just-in-time request names one, escaped) is compared as a path, never compiled.
    if (picomatch.scan(joined).isGlob) compileGlob(`/${joined}`);
  } catch (err) {
    throw new Error(`"${text}": ${(err as Error).message}`);
  }
  return { form, rest: joined };
}

export function resolveFs(uri: FsUri, anchors: FsAnchors): ResolvedFs {
  const anchor = uri.form === 'absolute' ? '/' : uri.form === 'home' ? anchors.home : anchors.workspace;
  if (!isAbsolute(anchor)) throw new Error(`cannot resolve ${uri.form} fs:// URI: anchor "${anchor}" is not absolute`);
  const root = escapeGlob(anchor);
  const escaped = toPosix(uri.rest ? join(root, uri.rest) : root);
  const scan = picomatch.scan(escaped);
  // A pattern without glob syntax is a literal path: drop its escapes so it compares with real paths.
  const pattern = scan.isGlob ? escaped : unescapeGlob(escaped);
  const base = scan.isGlob ? unescapeGlob(scan.base) || '/' : pattern;
  return { uri: `fs://${escaped}`, pattern, base, isGlob: scan.isGlob };
}

export function resolveFsText(text: string, anchors: FsAnchors): ResolvedFs {
  return resolveFs(parseFsUri(text), anchors);
}

function toPosix(p: string): string {
  const s = process.platform === 'win32' ? p.split('\\').join('/') : p;
  const n = posix.normalize(s);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/**
 * Matches host paths against an fs:// pattern. A pattern without glob characters names a file or a
 * directory and everything below it, which is what a person means by granting "~/notes".
 * Dotfiles match (a deny of /a/** must cover /a/.git); case and Unicode normalisation are folded where
 * the file system (`paths`, the host's by default) folds them. Globs run on glob.ts's matcher, which
 * cannot backtrack: a component's own deny rules are matched against guest-chosen names.
 */
export function pathMatcher(r: ResolvedFs, paths: PathRules = HOST_PATHS): (path: string) => boolean {
  if (r.isGlob) {
    const match = compileGlob(r.pattern, paths.fold);
    return (path) => path.length <= MAX_PATH_CHARS && match(paths.key(path));
  }
  return (path) => paths.inside(r.pattern, path);
}

/** Escapes glob syntax so a real path (a file named `a[1].txt`) is matched as written. */
export function escapeGlob(path: string): string {
  return path.replace(/[*?[\]{}()!+@\\]/g, '\\$&');
}

export function unescapeGlob(pattern: string): string {
  return pattern.replace(/\\([*?[\]{}()!+@\\])/g, '$1');
}

/** An absolute, normalized host path, or an error: the checker never guesses at a relative one. */
export function normalizeHostPath(p: string): string {
  if (typeof p !== 'string' || p.includes('\0')) throw new Error('not a path');
  // Before any rule looks at it: no file system has longer paths, and a guest may send megabytes.
  if (p.length > MAX_PATH_CHARS) throw new Error(`a path of ${p.length} characters is longer than any file system allows`);
  const s = toPosix(p);
  if (!s.startsWith('/')) throw new Error(`"${p}" is not an absolute path`);
  return s;
}
