import { describe, expect, it } from 'vitest';
import { PolicyError } from './errors.js';
import { parsePolicy } from './parse.js';
import { requestedCapabilities } from './requested.js';

function refusal(yaml: string): PolicyError {
  try {
    parsePolicy(yaml);
  } catch (err) {
    if (err instanceof PolicyError) return err;
    throw err;
  }
  throw new Error('policy was accepted');
}

const FULL = `version: "1.0"
description: Reads notes, calls one API
permissions:
  storage:
    allow:
      - uri: "fs://./data/**"
        access: [read, write]
      - uri: "fs://~/Documents/notes/**"
        access: ["read"]
    deny:
      - uri: "fs://~/Documents/notes/private"
        access: [read, write]
  network:
    allow:
      - host: "api.company.com:443"
      - host: "*.example.com"
      - cidr: "10.0.0.0/8"
    deny:
      - host: "evil.example.com"
  environment:
    allow:
      - key: API_KEY
  resources:
    limits: { cpu: "500m", memory: "512Mi", timeout: "10s" }
`;

describe('parsePolicy', () => {
  it('reads a Wassette-format policy with every section', () => {
    const p = parsePolicy(FULL);
    expect(p.version).toBe('1.0');
    expect(p.storage.allow).toEqual([
      { uri: 'fs://./data/**', access: 'read,write' },
      { uri: 'fs://~/Documents/notes/**', access: 'read' },
    ]);
    expect(p.storage.deny).toEqual([{ uri: 'fs://~/Documents/notes/private', access: 'read,write' }]);
    expect(p.network.allow.map((r) => r.text)).toEqual(['api.company.com:443', '*.example.com', '10.0.0.0/8']);
    expect(p.network.deny.map((r) => r.text)).toEqual(['evil.example.com']);
    expect(p.environment.allow).toEqual(['API_KEY']);
    expect(p.resources).toEqual({ memoryBytes: 512 * 1024 ** 2, cpu: 0.5, timeoutMs: 10_000, resultBytes: null });
  });

  it('reads the older policy-mcp-rs resources shape (cpu percent, memory in MB)', () => {
    const p = parsePolicy('version: "1.0"\npermissions:\n  resources:\n    cpu: 50.0\n    memory: 512\n');
    expect(p.resources).toEqual({ memoryBytes: 512 * 1024 ** 2, cpu: 0.5, timeoutMs: null, resultBytes: null });
  });

  it('accepts a minimal policy and empty (null) lists', () => {
    const p = parsePolicy('version: "1.0"\npermissions:\n  storage:\n    allow:\n');
    expect(p.storage.allow).toEqual([]);
    expect(p.resources).toEqual({ memoryBytes: null, cpu: null, timeoutMs: null, resultBytes: null });
  });

  it('reads the result size limit and refuses one a client could not be sent', () => {
    const limits = (result: string) => `version: "1.0"\npermissions:\n  resources:\n    limits:\n      result: ${result}\n`;
    expect(parsePolicy(limits('1Mi')).resources.resultBytes).toBe(1024 ** 2);
    expect(() => parsePolicy(limits('64Mi'))).toThrow(/result size "64Mi" is above the 16Mi maximum/);
  });

  it.each([
    ['an unknown key, at the key', 'version: "1.0"\npermissions:\n  files: {}\n', 3, 3, /unknown key "files" in "permissions"/],
    [
      'a policy-mcp section Weld does not run',
      'version: "1.0"\npermissions:\n  runtime: {}\n',
      3,
      3,
      /"runtime" \(policy-mcp runtime settings\) is not supported by Weld/,
    ],
    [
      'an unknown key in an entry',
      'version: "1.0"\npermissions:\n  storage:\n    allow:\n      - uri: fs:///a\n        access: [read]\n        mode: x\n',
      7,
      9,
      /unknown key "mode"/,
    ],
    ['a missing version', 'description: x\n', 1, 1, /"version" is required/],
    ['an unsupported version', 'version: "2.0"\n', 1, 10, /unsupported policy version "2.0"/],
    [
      'a missing access list',
      'version: "1.0"\npermissions:\n  storage:\n    allow:\n      - uri: fs:///x\n',
      5,
      9,
      /"access" is required/,
    ],
    [
      'a bad access word',
      'version: "1.0"\npermissions:\n  storage:\n    allow:\n      - uri: fs:///x\n        access: [execute]\n',
      6,
      18,
      /read" or "write/,
    ],
    [
      'a non-fs URI',
      'version: "1.0"\npermissions:\n  storage:\n    allow:\n      - { uri: "http://x", access: [read] }\n',
      5,
      16,
      /not an fs:\/\/ URI/,
    ],
    [
      'a ".." segment',
      'version: "1.0"\npermissions:\n  storage:\n    allow:\n      - { uri: "fs://data/../../etc", access: [read] }\n',
      5,
      16,
      /"\.\." is not allowed/,
    ],
    [
      '"**" inside a segment',
      'version: "1.0"\npermissions:\n  storage:\n    allow:\n      - { uri: "fs:///a/**x", access: [read] }\n',
      5,
      16,
      /must be a whole path segment/,
    ],
    [
      'a bad host wildcard',
      'version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: "api.*.com"\n',
      5,
      15,
      /wildcard must be the whole first label/,
    ],
    [
      'a host with a path',
      'version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: "api.com/v1"\n',
      5,
      15,
      /host\[:port\] only/,
    ],
    [
      'a bad port',
      'version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: "api.com:99999"\n',
      5,
      15,
      /outside 1-65535/,
    ],
    [
      'a bad cidr',
      'version: "1.0"\npermissions:\n  network:\n    allow:\n      - cidr: 10.0.0.0/33\n',
      5,
      15,
      /not a CIDR range/,
    ],
    [
      'both host and cidr',
      'version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: a.com\n        cidr: 10.0.0.0/8\n',
      5,
      9,
      /exactly one of "host" or "cidr"/,
    ],
    [
      'a wildcard env key',
      'version: "1.0"\npermissions:\n  environment:\n    allow:\n      - key: "AWS_*"\n',
      5,
      14,
      /no wildcards/,
    ],
    [
      'a bad memory quantity',
      'version: "1.0"\npermissions:\n  resources:\n    limits:\n      memory: 12XB\n',
      5,
      15,
      /not a memory quantity/,
    ],
    [
      'a tiny memory limit',
      'version: "1.0"\npermissions:\n  resources:\n    limits:\n      memory: 1Ki\n',
      5,
      15,
      /below the 16Mi minimum/,
    ],
    [
      'a timeout without unit',
      'version: "1.0"\npermissions:\n  resources:\n    limits:\n      timeout: "30"\n',
      5,
      16,
      /not a duration/,
    ],
    [
      'a list where a mapping belongs',
      'version: "1.0"\npermissions:\n  storage:\n    allow: 5\n',
      4,
      12,
      /"allow" must be a list/,
    ],
    ['broken YAML', 'version: "1.0"\npermissions:\n  storage: [1\n', 4, 1, /invalid YAML/],
    ['a duplicate key', 'version: "1.0"\nversion: "1.0"\n', 2, 1, /invalid YAML: Map keys must be unique/],
  ])('refuses %s with its line and column', (_what, yaml, line, col, reason) => {
    const e = refusal(yaml);
    expect({ line: e.line, col: e.col }).toEqual({ line, col });
    expect(e.reason).toMatch(reason);
    expect(e.message).toMatch(new RegExp(`^line ${line}:${col}: `));
  });

  it('refuses an empty document and non-text', () => {
    expect(refusal('').reason).toMatch(/empty/);
    expect(refusal(42 as unknown as string).reason).toMatch(/YAML text/);
  });

  it('refuses a policy larger than the limit before parsing it', () => {
    expect(refusal(`version: "1.0"\n#${'x'.repeat(300 * 1024)}\n`).reason).toMatch(/limited to 256 KiB/);
  });
});

describe('requestedCapabilities', () => {
  it("lists the policy's allow entries and adds a * entry only for kinds the WIT imports use but the policy omits", () => {
    const p = parsePolicy('version: "1.0"\npermissions:\n  network:\n    allow: [{ host: "api.github.com:443" }]\n');
    const caps = requestedCapabilities(p, [
      'wasi:http/outgoing-handler@0.2.10',
      'wasi:filesystem/preopens@0.2.12',
      'wasi:cli/environment@0.2.3',
      'wasi:io/streams@0.2.3',
    ]);
    expect(caps).toEqual([
      { kind: 'network', target: 'api.github.com:443', source: 'policy' },
      { kind: 'storage', target: '*', access: 'read,write', source: 'wit' },
      { kind: 'environment', target: '*', source: 'wit' },
    ]);
  });

  it('treats raw sockets and wasi:config as network and environment', () => {
    const caps = requestedCapabilities(null, ['wasi:sockets/tcp@0.2.0', 'wasi:config/store@0.2.0-draft']);
    expect(caps.map((c) => c.kind)).toEqual(['network', 'environment']);
  });

  it('asks for nothing when a component imports only pure interfaces', () => {
    expect(
      requestedCapabilities(null, ['wasi:io/streams@0.2.3', 'wasi:clocks/monotonic-clock@0.2.3', 'wasi:random/random@0.2.3']),
    ).toEqual([]);
  });
});
