import { describe, expect, it } from 'vitest';
import { testGrant } from '../../../test/helpers.js';
import { compileRules, makeChecker } from './checker.js';
import { parsePolicy } from './parse.js';
import { protectedGlobs } from './plan.js';
import { normalizeTarget } from './targets.js';
import type { CapabilityChecker, Grant } from './types.js';

const anchors = { home: '/home/ann', workspace: '/var/weld/workspaces/notes' };

const grant = (kind: Grant['kind'], target: string, access?: string, extra: Partial<Grant> = {}) =>
  testGrant(anchors, kind, target, access, extra);

function checker(grants: Grant[], policyYaml?: string, now = 1000): CapabilityChecker {
  const rules = compileRules({
    componentId: 'notes',
    grants,
    policy: policyYaml ? parsePolicy(policyYaml) : null,
    anchors,
    protectedGlobs: protectedGlobs('/var/weld', 'notes'),
  });
  return makeChecker({ rules: () => rules, now: () => now });
}

const decisions = (c: CapabilityChecker, paths: [string, 'read' | 'write'][]) => paths.map(([p, a]) => c.storage(p, a).decision);

describe('storage checks', () => {
  it('a directory grant covers everything below it, dotfiles included, and nothing beside it', () => {
    const c = checker([grant('storage', 'fs:///data', 'read')]);
    expect(
      decisions(c, [
        ['/data', 'read'],
        ['/data/a/b.txt', 'read'],
        ['/data/.git/config', 'read'],
        ['/data/a/b.txt', 'write'],
        ['/database', 'read'],
        ['/etc/passwd', 'read'],
      ]),
    ).toEqual(['allowed', 'allowed', 'allowed', 'ask', 'ask', 'ask']);
  });

  it('globs are enforced: *.md covers markdown files in that directory only', () => {
    const c = checker([grant('storage', 'fs:///notes/*.md', 'read,write')]);
    expect(
      decisions(c, [
        ['/notes/todo.md', 'write'],
        ['/notes/todo.txt', 'read'],
        ['/notes/sub/todo.md', 'read'],
      ]),
    ).toEqual(['allowed', 'ask', 'ask']);
  });

  it('deny wins over a grant, and a write-only deny leaves reading allowed', () => {
    const policy = `version: "1.0"
permissions:
  storage:
    deny:
      - { uri: "fs:///data/secret", access: [read, write] }
      - { uri: "fs:///data/**/*.lock", access: [write] }
`;
    const c = checker([grant('storage', 'fs:///data/**', 'read,write')], policy);
    expect(
      decisions(c, [
        ['/data/ok.txt', 'write'],
        ['/data/secret', 'read'],
        ['/data/secret/deeper/key.pem', 'read'],
        ['/data/a/b.lock', 'read'],
        ['/data/a/b.lock', 'write'],
      ]),
    ).toEqual(['allowed', 'denied', 'denied', 'allowed', 'denied']);
    const v = c.storage('/data/secret/key', 'read');
    expect(v).toMatchObject({ decision: 'denied', grantCommand: '' });
    expect(v.decision === 'denied' && v.reason).toMatch(/policy denies read,write on fs:\/\/\/data\/secret/);
  });

  it('a path that climbs out with .. is judged by where it lands', () => {
    const c = checker([grant('storage', 'fs:///data', 'read')]);
    expect(c.storage('/data/../etc/passwd', 'read').decision).toBe('ask');
    expect(c.storage('relative/path', 'read').decision).toBe('denied');
  });

  it("never opens Weld's data dir or another component's workspace, even under a grant of /", () => {
    const c = checker([grant('storage', 'fs:///', 'read,write')]);
    expect(
      decisions(c, [
        ['/var/weld/weld.db', 'read'],
        ['/var/weld/secrets/key', 'read'],
        ['/var/weld', 'write'],
        ['/var/weld/workspaces', 'read'],
        ['/var/weld/workspaces/other/x', 'read'],
        ['/var/weld/workspaces/notes/x', 'write'],
        ['/var/weld-other/x', 'read'],
      ]),
    ).toEqual(['denied', 'denied', 'denied', 'denied', 'denied', 'allowed', 'allowed']);
  });

  it('relative and ~ URIs resolve to the workspace and home', () => {
    const c = checker([grant('storage', 'fs://cache/**', 'read,write'), grant('storage', 'fs://~/notes', 'read')]);
    expect(c.storage('/var/weld/workspaces/notes/cache/a', 'write').decision).toBe('allowed');
    expect(c.storage('/home/ann/notes/x.md', 'read').decision).toBe('allowed');
    expect(c.storage('/home/ann/.ssh/id_rsa', 'read').decision).toBe('ask');
  });

  it('an expired grant no longer allows anything', () => {
    const g = grant('storage', 'fs:///data', 'read', { expiresAt: 500 });
    expect(checker([g], undefined, 400).storage('/data/x', 'read').decision).toBe('allowed');
    expect(checker([g], undefined, 600).storage('/data/x', 'read').decision).toBe('ask');
  });
});

describe('network checks', () => {
  const url = (s: string) => new URL(s);

  it('host:port grants match the scheme default port; no port means any port', () => {
    const c = checker([grant('network', 'api.github.com:443'), grant('network', 'example.org')]);
    expect(c.network(url('https://api.github.com/repos')).decision).toBe('allowed');
    expect(c.network(url('http://api.github.com/')).decision).toBe('ask');
    expect(c.network(url('https://api.github.com:8443/')).decision).toBe('ask');
    expect(c.network(url('http://example.org:8080/')).decision).toBe('allowed');
    expect(c.network(url('https://EXAMPLE.org./')).decision).toBe('allowed');
  });

  it('*.domain covers subdomains, not the domain itself or look-alikes', () => {
    const c = checker([grant('network', '*.example.com')]);
    expect(c.network(url('https://a.example.com/')).decision).toBe('allowed');
    expect(c.network(url('https://a.b.example.com/')).decision).toBe('allowed');
    expect(c.network(url('https://example.com/')).decision).toBe('ask');
    expect(c.network(url('https://badexample.com/')).decision).toBe('ask');
    expect(c.network(url('https://example.com.evil.net/')).decision).toBe('ask');
  });

  it('an http grant never opens a raw socket; a tcp:// grant with a port does', () => {
    const c = checker([grant('network', 'db.internal'), grant('network', 'tcp://cache.internal:6379')]);
    expect(c.network(url('tcp://db.internal:5432')).decision).toBe('ask');
    expect(c.network(url('tcp://cache.internal:6379')).decision).toBe('allowed');
    expect(c.network(url('ftp://db.internal/')).decision).toBe('denied');
  });

  it('IP literals compare as addresses in every spelling', () => {
    const c = checker([grant('network', '2130706433:8080')]);
    for (const u of [
      'http://127.0.0.1:8080/',
      'http://0x7f.0.0.1:8080/',
      'http://0177.0.0.1:8080/',
      'http://127.1:8080/',
      'http://[::ffff:127.0.0.1]:8080/',
    ]) {
      expect(c.network(url(u)).decision, u).toBe('allowed');
    }
    expect(c.network(url('http://127.0.0.2:8080/')).decision).toBe('ask');
    expect(c.network(url('http://127.0.0.1:8081/')).decision).toBe('ask');
  });

  it('cidr grants cover literal and resolved addresses, including IPv4-mapped IPv6 spellings', () => {
    const c = checker([grant('network', '::ffff:10.0.0.0/104')]);
    expect(c.network(url('http://10.1.2.3/')).decision).toBe('allowed');
    expect(c.network(url('http://[::ffff:a01:203]/')).decision).toBe('allowed');
    expect(c.network(url('http://intranet.corp/'), '10.9.9.9').decision).toBe('allowed');
    expect(c.network(url('http://11.0.0.1/')).decision).toBe('ask');
  });

  it('a granted name that resolves to a loopback or private address is denied unless that address is granted', () => {
    const c = checker([grant('network', 'api.example.com')]);
    expect(c.network(url('https://api.example.com/'), '93.184.216.34').decision).toBe('allowed');
    for (const ip of [
      '127.0.0.1',
      '10.0.0.5',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      '::ffff:192.168.1.1',
      'fd00::1',
      '0.0.0.0',
    ]) {
      const v = c.network(url('https://api.example.com/'), ip);
      expect(v.decision, ip).toBe('denied');
    }
    const v = c.network(url('https://api.example.com/'), '127.0.0.1');
    expect(v).toMatchObject({ decision: 'denied', grantCommand: 'weld grant notes network 127.0.0.1:443' });
    expect(v.decision === 'denied' && v.reason).toMatch(/resolves to 127\.0\.0\.1, a loopback address/);

    const withRange = checker([grant('network', 'api.example.com'), grant('network', '192.168.0.0/16')]);
    expect(withRange.network(url('https://api.example.com/'), '192.168.1.1').decision).toBe('allowed');
    expect(withRange.network(url('https://api.example.com/'), '127.0.0.1').decision).toBe('denied');
  });

  it('a * grant still needs an explicit grant for loopback addresses', () => {
    const c = checker([grant('network', '*')]);
    expect(c.network(url('https://anything.net/'), '1.1.1.1').decision).toBe('allowed');
    expect(c.network(url('http://127.0.0.1/')).decision).toBe('denied');
  });

  it('deny rules win: by name, and by cidr against the resolved address', () => {
    const policy = `version: "1.0"
permissions:
  network:
    deny:
      - host: "evil.example.com"
      - cidr: "203.0.113.0/24"
`;
    const c = checker([grant('network', '*.example.com'), grant('network', 'cdn.net')], policy);
    expect(c.network(url('https://evil.example.com/')).decision).toBe('denied');
    expect(c.network(url('tcp://evil.example.com:25')).decision).toBe('denied');
    expect(c.network(url('https://ok.example.com/'), '203.0.113.7').decision).toBe('denied');
    expect(c.network(url('https://cdn.net/'), '8.8.8.8').decision).toBe('allowed');
  });

  it('refuses a resolved address that is not an IP', () => {
    const c = checker([grant('network', 'api.example.com')]);
    expect(c.network(url('https://api.example.com/'), 'not-an-ip').decision).toBe('denied');
  });
});

describe('environment checks', () => {
  it('allows granted keys only', () => {
    const c = checker([grant('environment', 'API_KEY')]);
    expect(c.env('API_KEY').decision).toBe('allowed');
    expect(c.env('HOME').decision).toBe('ask');
    expect(c.env('A=B').decision).toBe('denied');
  });
});

describe('normalizeTarget', () => {
  it('gives one spelling per target', () => {
    expect(normalizeTarget('storage', 'fs://~/notes/', 'write,read', anchors)).toEqual({
      kind: 'storage',
      target: 'fs:///home/ann/notes',
      access: 'read,write',
    });
    expect(normalizeTarget('storage', '/data//x/./y', undefined, anchors).target).toBe('fs:///data/x/y');
    expect(normalizeTarget('network', 'API.GitHub.com:443', undefined, anchors).target).toBe('api.github.com:443');
    expect(normalizeTarget('network', '[::ffff:127.0.0.1]:80', undefined, anchors).target).toBe('127.0.0.1:80');
    expect(normalizeTarget('network', '10.1.2.3/8', undefined, anchors).target).toBe('10.0.0.0/8');
    expect(normalizeTarget('network', 'HTTP://localhost:3000/', undefined, anchors).target).toBe('http://localhost:3000');
  });

  it('keeps escaped glob characters literal', () => {
    const t = normalizeTarget('storage', 'fs:///data/a\\[1\\].txt', 'read', anchors);
    const c = checker([grant('storage', t.target, 'read')]);
    expect(c.storage('/data/a[1].txt', 'read').decision).toBe('allowed');
    expect(c.storage('/data/a1.txt', 'read').decision).toBe('ask');
    expect(() => normalizeTarget('storage', 'fs:///data\\x', 'read', anchors)).toThrow(/only escapes a glob character/);
  });

  it('refuses malformed targets with a reason', () => {
    expect(() => normalizeTarget('storage', 'notes', 'read', anchors)).toThrow(/not an fs:\/\/ URI or absolute path/);
    expect(() => normalizeTarget('storage', '/a', 'exec', anchors)).toThrow(/unknown access "exec"/);
    expect(() => normalizeTarget('network', 'a b', undefined, anchors)).toThrow(/host\[:port\] only/);
    expect(() => normalizeTarget('network', 'ftp://x:21', undefined, anchors)).toThrow(/scheme "ftp"/);
    expect(() => normalizeTarget('environment', 'PATH*', undefined, anchors)).toThrow(/not an environment key/);
  });
});
