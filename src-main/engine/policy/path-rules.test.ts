import { describe, expect, it } from 'vitest';
import { testGrant } from '../../../test/helpers.js';
import type { HostBridge } from '../runtime/host-bridge.js';
import { FsPolicy } from '../runtime/wasi/fs-access.js';
import { compileRules, makeChecker } from './checker.js';
import { parsePolicy } from './parse.js';
import { pathRules } from './path-rules.js';
import { protectedGlobs } from './plan.js';

// "é" written as one code point (NFC, what most keyboards type) and as e + combining accent (NFD, what
// HFS+ stores): one name on macOS.
const NFC = 'caf\u00e9';
const NFD = 'cafe\u0301';

/**
 * Attack: on a file system that folds case (macOS, Windows), a guest spells a protected path
 * differently (`/Users/Ann/WELD/weld.db`) and walks past a rule compared byte for byte.
 * The rules for each platform run here whatever the host is.
 */
describe('path comparison follows the file system of each platform', () => {
  it('folds case and Unicode normalisation exactly where the platform does', () => {
    const linux = pathRules('linux');
    const darwin = pathRules('darwin');
    const win = pathRules('win32');
    expect(linux.inside('/home/ann/Notes', '/home/ann/notes/a.md')).toBe(false);
    expect(linux.inside(`/home/ann/${NFC}`, `/home/ann/${NFD}/x`)).toBe(false);
    expect(darwin.inside('/Users/ann/Notes', '/users/ANN/notes/a.md')).toBe(true);
    expect(darwin.inside(`/Users/ann/${NFC}`, `/Users/ann/${NFD}/x`)).toBe(true);
    expect(darwin.inside('/Users/ann/Notes', '/Users/ann/Notes-old/a.md')).toBe(false);
    expect(win.inside('C:/Users/Ann/Notes', 'c:\\users\\ann\\NOTES\\a.md')).toBe(true);
    expect(win.key('C:\\Users\\Ann')).toBe('c:/users/ann');
    expect(pathRules('freebsd').platform).toBe('linux');
  });

  function dataDirChecker(platform: string, dataDir: string, policy?: string) {
    const anchors = { home: '/home/ann', workspace: `${dataDir}/workspaces/notes` };
    const root = testGrant(anchors, 'storage', 'fs:///', 'read,write');
    const rules = compileRules({
      componentId: 'notes',
      grants: [root],
      policy: policy ? parsePolicy(policy) : null,
      anchors,
      protectedGlobs: protectedGlobs(dataDir, 'notes'),
      paths: pathRules(platform),
    });
    return makeChecker({ rules: () => rules, now: () => 0 });
  }

  it("denies a variant spelling of Weld's data dir under a grant of / on macOS and Windows rules", () => {
    for (const platform of ['darwin', 'win32']) {
      const c = dataDirChecker(platform, '/Users/ann/Library/Application Support/Weld');
      expect(c.storage('/users/ann/library/application support/WELD/weld.db', 'read').decision, platform).toBe('denied');
      expect(c.storage('/USERS/ann/Library/Application Support/Weld/workspaces/OTHER/x', 'read').decision, platform).toBe(
        'denied',
      );
      // The component's own workspace, in any spelling, stays its own.
      expect(c.storage('/Users/ann/Library/Application Support/Weld/workspaces/NOTES/x', 'write').decision, platform).toBe(
        'allowed',
      );
    }
    // On Linux those are other files, which the grant of / covers.
    const linux = dataDirChecker('linux', '/home/ann/.local/share/weld');
    expect(linux.storage('/home/ann/.local/share/WELD/weld.db', 'read').decision).toBe('allowed');
    expect(linux.storage('/home/ann/.local/share/weld/weld.db', 'read').decision).toBe('denied');
  });

  it("a component's deny glob covers case and normalisation variants on macOS", () => {
    const policy = `version: "1.0"
permissions:
  storage:
    deny:
      - { uri: "fs:///Users/ann/${NFC}/**/*.key", access: [read, write] }
      - { uri: "fs:///Users/ann/Private", access: [read, write] }
`;
    const mac = dataDirChecker('darwin', '/var/weld', policy);
    expect(mac.storage(`/users/ann/${NFD}/deep/ID.KEY`, 'read').decision).toBe('denied');
    expect(mac.storage('/Users/ann/PRIVATE/diary.txt', 'read').decision).toBe('denied');
    expect(mac.storage(`/Users/ann/${NFD}/deep/id.pub`, 'read').decision).toBe('allowed');
    const linux = dataDirChecker('linux', '/var/weld', policy);
    expect(linux.storage(`/Users/ann/${NFC}/deep/id.key`, 'read').decision).toBe('denied');
    expect(linux.storage('/Users/ann/PRIVATE/diary.txt', 'read').decision).toBe('allowed');
  });

  it("the sandbox's own deny check (inside the worker) folds the same way", () => {
    const bridge: HostBridge = { call: () => ({ decision: 'denied', reason: 'test' }), notify: () => {} };
    const mounts = [{ guestPath: '/home', hostPath: '/Users/ann', read: true, write: true }];
    const deny = ['/Users/ann/Secrets/**', `/Users/ann/${NFC}`];
    const mac = new FsPolicy(mounts, deny, bridge, [], [], pathRules('darwin'));
    expect(mac.isDenied('/users/ann/SECRETS/token')).toBe(true);
    expect(mac.isDenied(`/Users/ann/${NFD}/inside`)).toBe(true);
    expect(mac.isDenied('/Users/ann/Notes/a.md')).toBe(false);
    const linux = new FsPolicy(mounts, deny, bridge, [], [], pathRules('linux'));
    expect(linux.isDenied('/users/ann/SECRETS/token')).toBe(false);
    expect(linux.isDenied('/Users/ann/Secrets/token')).toBe(true);
  });
});
