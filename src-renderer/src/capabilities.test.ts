import { describe, expect, it } from 'vitest';
import { describeCapability } from './capabilities.js';

describe('capabilities in plain words', () => {
  it('says which folder a tool may read', () => {
    expect(
      describeCapability({ kind: 'storage', target: 'fs://~/Documents/notes/**', access: 'read', source: 'policy' }),
    ).toEqual({
      text: 'Read files in ~/Documents/notes',
      risk: 'medium',
    });
  });

  it('marks write access and whole-disk access as high risk', () => {
    expect(
      describeCapability({ kind: 'storage', target: 'fs://./out/**', access: 'read,write', source: 'policy' }),
    ).toMatchObject({
      text: 'Read and change files in ./out',
      risk: 'high',
    });
    expect(describeCapability({ kind: 'storage', target: 'fs:///**', access: 'read', source: 'policy' }).risk).toBe('high');
  });

  it('names host and port of a network grant, and flags wildcards', () => {
    expect(describeCapability({ kind: 'network', target: 'api.github.com:443', source: 'policy' })).toEqual({
      text: 'Connect to api.github.com on port 443',
      risk: 'medium',
    });
    expect(describeCapability({ kind: 'network', target: '*.example.com', source: 'policy' })).toEqual({
      text: 'Connect to *.example.com on any port',
      risk: 'high',
    });
  });

  it('treats secret-looking environment variables as more sensitive', () => {
    expect(describeCapability({ kind: 'environment', target: 'GITHUB_TOKEN', source: 'wit' }).risk).toBe('medium');
    expect(describeCapability({ kind: 'environment', target: 'LANG', source: 'wit' }).risk).toBe('low');
  });
});
