import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { compileRules, makeChecker } from './checker.js';
import { parseFsUri } from './fs-uri.js';
import { compileGlob, GlobError, MAX_PATH_CHARS } from './glob.js';
import { parsePolicy } from './parse.js';

describe('path globs without backtracking', () => {
  it("decides a component's deny glob with many * against a long guest path in milliseconds", () => {
    // Attack: picomatch turns this rule into a backtracking RegExp; against a 60-character name it ran
    // for 366 s on the engine's main thread, freezing every client. A guest picks the name.
    const policy = parsePolicy(`version: "1.0"
permissions:
  storage:
    deny:
      - { uri: "fs:///data/${'*a'.repeat(8)}*b", access: [read] }
      - { uri: "fs:///data/**/${'*x'.repeat(40)}*y/**", access: [read] }
`);
    const rules = compileRules({
      componentId: 'notes',
      grants: [],
      policy,
      anchors: { home: '/home/ann', workspace: '/var/weld/workspaces/notes' },
      protectedGlobs: [],
    });
    const check = makeChecker({ rules: () => rules, now: () => 0 });
    const names = [`/data/${'a'.repeat(60)}`, `/data/${'a'.repeat(255)}`, `/data/${'x/'.repeat(1000)}${'x'.repeat(1000)}`];
    for (const path of names) {
      const started = performance.now();
      const verdict = check.storage(path, 'read');
      const took = performance.now() - started;
      expect(verdict.decision).toBe('ask');
      // Generous for a loaded 2-core machine; the backtracking matcher needed minutes.
      expect(took).toBeLessThan(250);
    }
    expect(check.storage(`/data/${'a'.repeat(60)}b`, 'read').decision).toBe('denied');
  });

  it('bounds the path before any rule sees it', () => {
    const rules = compileRules({
      componentId: 'notes',
      grants: [],
      policy: null,
      anchors: { home: '/home/ann', workspace: '/var/weld/workspaces/notes' },
      protectedGlobs: [],
    });
    const verdict = makeChecker({ rules: () => rules, now: () => 0 }).storage(`/${'a'.repeat(5_000_000)}`, 'read');
    expect(verdict).toMatchObject({ decision: 'denied' });
    expect(verdict.decision === 'denied' && verdict.reason.length).toBeLessThan(200);
    expect(MAX_PATH_CHARS).toBe(4096);
  });

  it('matches like picomatch (dot: true) on the syntax path rules use', () => {
    const globs = [
      '/a/**',
      '/a/**/b',
      '/a/*',
      '/a/!(w)',
      '/a/{b,c/d}/e',
      '/a/[A-Z]x',
      '/a/b\\*',
      '**',
      '/a/**/*.md',
      '/a/*.{md,txt}',
      '/h/!(workspaces)',
      '/h/workspaces/!(own)/**',
      '/a/?b',
      '/a/{b,{c,d}}',
      '/a/**/**/c',
      '/a/b/*c*d*',
      '/a/@(x.md|y.md)',
    ];
    const paths = [
      '/a',
      '/a/b',
      '/a/b/c',
      '/a/.x',
      '/a/w',
      '/a/wx',
      '/a/c/d/e',
      '/a/b/e',
      '/a/Bx',
      '/a/bx',
      '/a/b*',
      '/a/bc',
      '/a/x.md',
      '/a/q/r/.x.md',
      '/a/y.txt',
      '/h/workspaces',
      '/h/other',
      '/h/workspaces/own/x',
      '/h/workspaces/b/x',
      '/a/xb',
      '/a/d',
      '/a/c',
      '/a/b/xcyd',
      '/a/b/dc',
      '/a/y.md',
    ];
    const differ: string[] = [];
    for (const g of globs) {
      const ours = compileGlob(g);
      const theirs = picomatch(g, { dot: true });
      for (const p of paths) if (ours(p) !== theirs(p)) differ.push(`${g} on ${p}`);
    }
    expect(differ).toEqual([]);
  });

  it('refuses glob syntax it does not run, where the rule is written', () => {
    expect(() => parseFsUri('fs:///a/+(x|y).md')).toThrow(/extglobs are only supported as a whole path segment/);
    expect(() => compileGlob(`/${'{a,b}'.repeat(9)}`)).toThrow(GlobError);
    expect(() => compileGlob(`/${'a'.repeat(2000)}`)).toThrow(/limited to 1024 characters/);
  });
});

describe('long literal paths are paths, not globs', () => {
  it('accepts a grant target of a real path longer than any glob may be', () => {
    const long = `/data/${'d'.repeat(200)}/${'e'.repeat(200)}/${'f'.repeat(200)}/${'g'.repeat(200)}/${'h'.repeat(200)}/x.txt`;
    expect(parseFsUri(`fs://${long}`).rest).toBe(long.slice(1));
  });
});
