/**
 * Path globs matched without backtracking. picomatch compiles a glob to a JavaScript RegExp, and
 * `*a*a*a*a*a*a*a*a*b` against a 60-character name backtracks for minutes on the engine's main thread
 * (measured: 366 s): a component's own deny rules would freeze every client. picomatch has no option
 * that changes the regex engine, so globs are compiled here into a small automaton instead: a set of
 * states advanced one path segment (and, inside a segment, one character) at a time. Matching costs at
 * most |path| x |pattern| steps whatever the input, and both are bounded (MAX_GLOB_CHARS, and callers
 * bound paths with MAX_PATH_CHARS before they get here).
 *
 * The syntax is the part of picomatch's that path rules use, with `dot: true` semantics (`*` and `**`
 * match names starting with a dot): `*`, `?`, `[a-z]`/`[!a-z]`, `**` as a whole segment, `{a,b}`
 * (nested), `\` escapes, and the extglobs `!(a|b)` and `@(a|b)` as a whole segment. Anything else
 * that picomatch would read as an extglob is refused with a clear error rather than guessed at.
 */

export class GlobError extends Error {}

/** The longest glob accepted, and the most text its `{a,b}` alternatives may expand to. */
export const MAX_GLOB_CHARS = 1024;
const MAX_EXPANDED_CHARS = 4096;
/** PATH_MAX on Linux: longer paths are refused before any rule looks at them. */
export const MAX_PATH_CHARS = 4096;

/** One UTF-16 unit each, as in a JavaScript RegExp without the u flag (what picomatch compiles to). */
type Token =
  | { t: 'char'; c: string }
  | { t: 'any' }
  | { t: 'star' }
  | { t: 'class'; negated: boolean; ranges: [string, string][] };

type SegmentMatcher = (name: string) => boolean;
const GLOBSTAR = null;
type Segment = SegmentMatcher | typeof GLOBSTAR;

/** A compiled glob: call it with a (folded) path. */
export interface Glob {
  (path: string): boolean;
  /**
   * Whether some path strictly beneath `dir` (folded) could match: moving `dir` elsewhere would take
   * such paths out of the glob's reach.
   */
  couldMatchBelow(dir: string): boolean;
}

/** Compiles `pattern`; `fold` is applied to the pattern here and must be applied to every path matched. */
export function compileGlob(pattern: string, fold: (s: string) => string = (s) => s): Glob {
  if (typeof pattern !== 'string' || pattern === '') throw new GlobError('a glob cannot be empty');
  if (pattern.length > MAX_GLOB_CHARS) throw new GlobError(`a glob is limited to ${MAX_GLOB_CHARS} characters`);
  const alternatives = expandBraces(fold(pattern)).map((alt) => splitUnescaped(alt, '/').map(compileSegment));
  const glob = (path: string) => {
    const names = path.split('/');
    return alternatives.some((segments) => run(segments, names)?.[segments.length] === 1);
  };
  glob.couldMatchBelow = (dir: string) => {
    const names = dir.split('/');
    // Any live state short of the end can still take one more name: a path beneath the directory.
    return alternatives.some((segments) => run(segments, names)?.subarray(0, segments.length).includes(1) ?? false);
  };
  return glob;
}

/** Simulates the segment automaton: the pattern positions reachable after the names, or null once none is. */
function run(segments: Segment[], names: string[]): Uint8Array | null {
  const n = segments.length;
  let states = new Uint8Array(n + 1);
  states[0] = 1;
  close(segments, states);
  for (const name of names) {
    const next = new Uint8Array(n + 1);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!states[i]) continue;
      const seg = segments[i];
      if (seg === GLOBSTAR) {
        next[i] = 1;
        any = true;
      } else if (seg(name)) {
        next[i + 1] = 1;
        any = true;
      }
    }
    if (!any) return null;
    close(segments, next);
    states = next;
  }
  return states;
}

/** `**` may match no segment at all. */
function close(segments: Segment[], states: Uint8Array): void {
  for (let i = 0; i < segments.length; i++) if (states[i] && segments[i] === GLOBSTAR) states[i + 1] = 1;
}

function compileSegment(text: string): Segment {
  if (text === '**') return GLOBSTAR;
  const ext = /^([!@])\((.*)\)$/s.exec(text);
  if (ext && balancedInner(ext[2])) {
    const alts = splitUnescaped(ext[2], '|').map((a) => tokenMatcher(tokenize(a)));
    return ext[1] === '!' ? (name) => !alts.some((m) => m(name)) : (name) => alts.some((m) => m(name));
  }
  return tokenMatcher(tokenize(text));
}

/** No unescaped parenthesis inside: nested extglobs are refused by tokenize. */
function balancedInner(inner: string): boolean {
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '\\') i++;
    else if (inner[i] === '(' || inner[i] === ')') return false;
  }
  return true;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      if (i + 1 < text.length) out.push({ t: 'char', c: text[++i] });
      else out.push({ t: 'char', c });
    } else if (c === '(' && i > 0 && '!@?+*'.includes(text[i - 1])) {
      throw new GlobError(
        `"${text}": extglobs are only supported as a whole path segment, !(a|b) or @(a|b); escape a literal parenthesis as \\(`,
      );
    } else if (c === '*') {
      if (out[out.length - 1]?.t !== 'star') out.push({ t: 'star' });
    } else if (c === '?') out.push({ t: 'any' });
    else if (c === '[') {
      const cls = parseClass(text, i);
      if (cls) {
        out.push(cls.token);
        i = cls.end;
      } else out.push({ t: 'char', c });
    } else out.push({ t: 'char', c });
  }
  return out;
}

function parseClass(text: string, open: number): { token: Token; end: number } | null {
  let i = open + 1;
  const negated = text[i] === '!' || text[i] === '^';
  if (negated) i++;
  const ranges: [string, string][] = [];
  let first = true;
  for (; i < text.length; i++) {
    let c = text[i];
    if (c === ']' && !first) return { token: { t: 'class', negated, ranges }, end: i };
    first = false;
    if (c === '\\' && i + 1 < text.length) c = text[++i];
    if (text[i + 1] === '-' && i + 2 < text.length && text[i + 2] !== ']') {
      let hi = text[i + 2];
      i += 2;
      if (hi === '\\' && i + 1 < text.length) hi = text[++i];
      ranges.push([c, hi]);
    } else ranges.push([c, c]);
  }
  return null;
}

function tokenMatcher(tokens: Token[]): SegmentMatcher {
  if (tokens.every((t) => t.t === 'char')) {
    const literal = tokens.map((t) => (t as { c: string }).c).join('');
    return (name) => name === literal;
  }
  const m = tokens.length;
  const kind = Uint8Array.from(tokens, (t) => (t.t === 'char' ? 0 : t.t === 'any' ? 1 : t.t === 'star' ? 2 : 3));
  const code = Int32Array.from(tokens, (t) => (t.t === 'char' ? t.c.charCodeAt(0) : -1));
  const classes = tokens.map((t) =>
    t.t === 'class' ? { negated: t.negated, ranges: t.ranges.map(([lo, hi]) => [lo.charCodeAt(0), hi.charCodeAt(0)]) } : null,
  );
  const inClass = (j: number, c: number): boolean => {
    const cls = classes[j] as { negated: boolean; ranges: number[][] };
    return cls.ranges.some(([lo, hi]) => c >= lo && c <= hi) !== cls.negated;
  };
  // Thompson simulation over token positions: a star stays put or is skipped; nothing is retried.
  let cur = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  const skipStars = (states: Uint8Array) => {
    for (let j = 0; j < m; j++) if (states[j] && kind[j] === 2) states[j + 1] = 1;
  };
  return (name) => {
    cur.fill(0);
    cur[0] = 1;
    skipStars(cur);
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      next.fill(0);
      let any = false;
      for (let j = 0; j < m; j++) {
        if (!cur[j]) continue;
        const k = kind[j];
        if (k === 2) next[j] = 1;
        else if (k === 1 || (k === 0 ? code[j] === c : inClass(j, c))) next[j + 1] = 1;
        else continue;
        any = true;
      }
      if (!any) return false;
      skipStars(next);
      [cur, next] = [next, cur];
    }
    return cur[m] === 1;
  };
}

/** Splits on `sep` where it is not escaped. */
function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === sep) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** `{a,b}` alternatives, nested, written out; a brace without a top-level comma is literal. */
function expandBraces(pattern: string): string[] {
  const out: string[] = [];
  let total = 0;
  const pending = [pattern];
  while (pending.length) {
    const p = pending.pop() as string;
    const group = firstGroup(p);
    if (!group) {
      total += p.length;
      if (total > MAX_EXPANDED_CHARS)
        throw new GlobError(`"${pattern}": its {a,b} alternatives expand to more than ${MAX_EXPANDED_CHARS} characters`);
      out.push(p);
      continue;
    }
    const head = p.slice(0, group.open);
    const tail = p.slice(group.close + 1);
    for (const part of group.parts) pending.push(head + part + tail);
    if (pending.length + out.length > 256) throw new GlobError(`"${pattern}" has too many {a,b} alternatives`);
  }
  return out.reverse();
}

function firstGroup(p: string): { open: number; close: number; parts: string[] } | null {
  for (let open = 0; open < p.length; open++) {
    if (p[open] === '\\') {
      open++;
      continue;
    }
    if (p[open] !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    for (let i = open; i < p.length; i++) {
      const c = p[i];
      if (c === '\\') i++;
      else if (c === '{') depth++;
      else if (c === ',' && depth === 1) commas.push(i);
      else if (c === '}' && --depth === 0) {
        if (!commas.length) break;
        const cuts = [open, ...commas, i];
        const parts = cuts.slice(0, -1).map((at, k) => p.slice(at + 1, cuts[k + 1]));
        return { open, close: i, parts };
      }
    }
  }
  return null;
}
