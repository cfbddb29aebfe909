/**
 * How the file system of one platform compares names, so a grant, a deny glob or the data-dir
 * protection treats two spellings of one file as one path. Linux file systems compare bytes; APFS and
 * HFS+ (macOS) and NTFS (Windows) fold case; APFS and HFS+ also ignore Unicode normalisation (`é` as
 * one code point or as `e` + a combining accent name the same file). A deny rule compared more
 * strictly than the file system compares names is a deny rule a variant spelling walks past.
 *
 * Comparison works on keys: a path brought to the one spelling its file system cannot tell apart
 * from the others. Both sides of every comparison (rule and path) go through the same key.
 */
export type PathPlatform = 'linux' | 'darwin' | 'win32';

export interface PathRules {
  readonly platform: PathPlatform;
  /** Whether this platform's file system treats `A` and `a` as one name. */
  readonly foldsCase: boolean;
  /** The spelling compared: forward slashes, case and Unicode normalisation folded where the file system folds them. */
  key(path: string): string;
  /** The same folding for text that is not a path (a glob, whose backslashes are escapes, not separators). */
  fold(text: string): string;
  /** `path` is `root` or lies beneath it. */
  inside(root: string, path: string): boolean;
}

const identity = (s: string) => s;
// Lower-casing can itself produce combining marks (`İ` becomes `i` + U+0307): normalise after it too.
const fold = (s: string) => s.normalize('NFC').toLowerCase().normalize('NFC');

function makeRules(platform: PathPlatform): PathRules {
  const foldsCase = platform !== 'linux';
  // Windows: NTFS folds case but not normalisation; it is folded too, since a person sees one name for
  // both spellings and folding can only make a deny rule cover more. Either slash separates there.
  const text = platform === 'linux' ? identity : fold;
  const key = platform === 'win32' ? (s: string) => fold(s.replace(/\\/g, '/')) : text;
  return {
    platform,
    foldsCase,
    key,
    fold: text,
    inside(root, path) {
      const r = key(root);
      const p = key(path);
      if (p === r) return true;
      return p.startsWith(r.endsWith('/') ? r : `${r}/`);
    },
  };
}

const RULES: Record<PathPlatform, PathRules> = {
  linux: makeRules('linux'),
  darwin: makeRules('darwin'),
  win32: makeRules('win32'),
};

/** The rules of a platform; any platform not named here (the BSDs...) compares like Linux. */
export function pathRules(platform: string = process.platform): PathRules {
  return RULES[platform as PathPlatform] ?? RULES.linux;
}

/** The rules of the platform Weld runs on. */
export const HOST_PATHS = pathRules();
