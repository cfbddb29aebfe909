import { describe, expect, it } from 'vitest';
import {
  approvals,
  byRisk,
  canApproveInAdvance,
  describeCapability,
  folderOf,
  folderTarget,
  installLabel,
  requestActionable,
  requestSentence,
  timeLeft,
} from './capabilities.js';

describe('capabilities in plain words', () => {
  it('says which folder a tool may read', () => {
    expect(describeCapability({ kind: 'storage', target: 'fs://~/Documents/notes/**', access: 'read' })).toEqual({
      text: 'Read files in ~/Documents/notes',
      risk: 'medium',
    });
    expect(describeCapability({ kind: 'storage', target: 'fs:///tmp/x/private', access: 'read' }).text).toBe(
      'Read files in /tmp/x/private',
    );
  });

  it('marks write access and whole-disk or whole-home access as high risk', () => {
    expect(describeCapability({ kind: 'storage', target: 'fs:///srv/out/**', access: 'read,write' })).toEqual({
      text: 'Read and change files in /srv/out',
      risk: 'high',
    });
    expect(describeCapability({ kind: 'storage', target: 'fs:///srv/out/**', access: 'write' }).text).toBe(
      'Change files in /srv/out',
    );
    expect(describeCapability({ kind: 'storage', target: 'fs:///**', access: 'read' }).risk).toBe('high');
    expect(describeCapability({ kind: 'storage', target: 'fs://~/**', access: 'read' }).risk).toBe('high');
  });

  it("explains a relative folder as the tool's own, low-risk place", () => {
    expect(describeCapability({ kind: 'storage', target: 'fs://./data/**', access: 'read' })).toEqual({
      text: `Read files in its own folder "data" (kept in Weld's data)`,
      risk: 'low',
    });
  });

  it('names host and port of a network grant; any host is riskier than one host', () => {
    expect(describeCapability({ kind: 'network', target: 'api.github.com:443' })).toEqual({
      text: 'Connect to api.github.com on port 443',
      risk: 'medium',
    });
    expect(describeCapability({ kind: 'network', target: 'https://api.github.com' })).toEqual({
      text: 'Connect to api.github.com on port 443',
      risk: 'medium',
    });
    expect(describeCapability({ kind: 'network', target: '*.example.com:443' })).toEqual({
      text: 'Connect to any server under example.com on port 443',
      risk: 'high',
    });
    expect(describeCapability({ kind: 'network', target: 'api.example.com' }).risk).toBe('high');
    expect(describeCapability({ kind: 'network', target: '10.0.0.0/8' })).toEqual({
      text: 'Connect to any address in the range 10.0.0.0/8',
      risk: 'high',
    });
    expect(describeCapability({ kind: 'network', target: '*' }).text).toMatch(/^Connect to servers it asks for/);
  });

  it('treats secret-looking environment variables as more sensitive', () => {
    expect(describeCapability({ kind: 'environment', target: 'GITHUB_TOKEN' })).toEqual({
      text: 'Read the environment variable GITHUB_TOKEN',
      risk: 'medium',
    });
    expect(describeCapability({ kind: 'environment', target: 'LANG' }).risk).toBe('low');
  });

  it('orders by risk, riskiest first', () => {
    const caps = [
      { kind: 'environment', target: 'LANG' },
      { kind: 'storage', target: 'fs:///a/**', access: 'read,write' },
      { kind: 'network', target: 'api.github.com:443' },
    ] as const;
    expect(byRisk(caps).map((c) => c.kind)).toEqual(['storage', 'network', 'environment']);
  });
});

describe('approving at install', () => {
  it('turns a typed folder into a storage target, refusing relative paths and ".."', () => {
    expect(folderTarget('/tmp/shared/')).toEqual({ target: 'fs:///tmp/shared/**' });
    expect(folderTarget('~/notes')).toEqual({ target: 'fs://~/notes/**' });
    expect(folderTarget('notes')).toEqual({ error: 'Use a full path: it starts with / or ~/.' });
    expect(folderTarget('/tmp/../etc')).toEqual({ error: 'Write the folder without "..".' });
    expect(folderTarget('  ')).toMatchObject({ error: expect.stringMatching(/Type the folder/) });
    expect(folderOf('fs:///tmp/shared/**')).toBe('/tmp/shared');
  });

  it('approves only switched-on capabilities with a concrete target, using the chosen folder', () => {
    const caps = [
      { key: 'a', kind: 'storage', target: 'fs://./data/**', access: 'read' },
      { key: 'b', kind: 'network', target: 'api.github.com:443' },
      { key: 'c', kind: 'environment', target: '*' },
      { key: 'd', kind: 'environment', target: 'LANG' },
    ] as const;
    expect(approvals(caps, new Set(['a', 'b', 'c']), new Map([['a', 'fs:///tmp/shared/**']]))).toEqual([
      { kind: 'storage', target: 'fs:///tmp/shared/**', access: 'read' },
      { kind: 'network', target: 'api.github.com:443' },
    ]);
    expect(canApproveInAdvance(caps[2])).toBe(false);
    expect(installLabel(2)).toBe('Install and allow 2');
    expect(installLabel(0)).toBe('Install without permissions');
  });
});

describe('waiting requests', () => {
  it('reads as a sentence about the component', () => {
    expect(requestSentence({ componentId: 'read-file', kind: 'storage', target: 'fs:///tmp/x/private', access: 'read' })).toBe(
      'read-file wants to read files in /tmp/x/private',
    );
  });

  it('cannot be answered before its details loaded, in the first moment, or after it expired', () => {
    const r = { shownAt: 1000, loaded: true, expiresAt: 60_000 };
    expect(requestActionable(r, 1100)).toBe(false);
    expect(requestActionable(r, 1800)).toBe(true);
    expect(requestActionable({ ...r, loaded: false }, 1800)).toBe(false);
    expect(requestActionable(r, 60_000)).toBe(false);
  });

  it('says how long is left', () => {
    expect(timeLeft(46_000, 1_000)).toBe('45 s');
    expect(timeLeft(1_000 + 24 * 3_600_000, 1_000)).toBe('24 h');
    expect(timeLeft(0, 1_000)).toBe('0 s');
  });
});
