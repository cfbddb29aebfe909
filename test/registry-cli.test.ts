import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWeld, tempHome, WELD_BIN } from './helpers.js';
import { deadPort } from './oci-registry.js';
import { addComponent } from './wasm-fixture.js';

let home: string;
let cleanup: () => void;
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

describe('weld keygen and trust', () => {
  it('writes a private key only its owner can read and never overwrites it', async () => {
    const r = await runWeld(['keygen', '--out', home], home);
    expect(r.code).toBe(0);
    expect(statSync(join(home, 'weld.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'weld.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const before = readFileSync(join(home, 'weld.key'), 'utf8');
    const again = await runWeld(['keygen', '--out', home], home);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/weld\.key already exists; not overwriting a key/);
    expect(readFileSync(join(home, 'weld.key'), 'utf8')).toBe(before);
  });

  it('adds a trusted key, lists it, and refuses duplicates and non-keys', async () => {
    await runWeld(['keygen', '--out', home, '--name', 'alice'], home);
    const add = await runWeld(['trust', 'add-key', 'alice', join(home, 'alice.pub')], home);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/trusting key "alice" \(id [0-9a-f]{64}\)/);
    const list = await runWeld(['trust', 'list'], home);
    expect(list.stdout).toMatch(/key\s+alice\s+sha256:[0-9a-f]{64}/);

    const dup = await runWeld(['trust', 'add-key', 'bob', join(home, 'alice.pub')], home);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/this key is already trusted as "alice"/);

    writeFileSync(join(home, 'junk.pem'), 'not a key');
    const junk = await runWeld(['trust', 'add-key', 'junk', join(home, 'junk.pem')], home);
    expect(junk.code).toBe(1);
    expect(junk.stderr).toMatch(/is not a PEM public key/);
    expect(JSON.parse((await runWeld(['trust', 'list', '--json'], home)).stdout).keys).toHaveLength(1);

    const removed = await runWeld(['trust', 'remove', 'alice'], home);
    expect(removed.stdout).toBe('no longer trusting key "alice"\n');
    expect(JSON.parse((await runWeld(['trust', 'list', '--json'], home)).stdout).keys).toEqual([]);
    const gone = await runWeld(['trust', 'remove', 'alice'], home);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/nothing named "alice" is trusted/);
    // Trust changes made in a terminal are in the audit log too, as from the window.
    const audit = (await runWeld(['audit', '--json'], home)).stdout;
    const actions = audit
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; subject: string });
    expect(actions.filter((a) => a.action.startsWith('trust.')).map((a) => [a.action, a.subject])).toEqual([
      ['trust.key.added', 'alice'],
      ['trust.removed', 'alice'],
    ]);
  });

  it('reports a hand-edited, broken trust policy instead of trusting anything', async () => {
    writeFileSync(
      join(home, 'trust.json'),
      JSON.stringify({ version: 1, keys: [{ name: 'x', publicKey: 'nope' }], identities: [] }),
    );
    const r = await runWeld(['trust', 'list'], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/trusted key "x" is not a PEM public key/);
  });
});

describe('weld publish input checks', () => {
  it('refuses a file that is not a component before contacting the registry', async () => {
    await runWeld(['keygen', '--out', home], home);
    const file = join(home, 'core.wasm');
    writeFileSync(file, Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    const port = await deadPort();
    const r = await runWeld(['publish', file, `oci://127.0.0.1:${port}/tools/x:1`, '--key', join(home, 'weld.key')], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not a WebAssembly component/);
  });

  it('refuses to publish to a digest, or with a key that is not a P-256 private key', async () => {
    const file = join(home, 'add.wasm');
    writeFileSync(file, await addComponent('cli'));
    writeFileSync(join(home, 'bad.key'), 'garbage');
    const port = await deadPort();
    const digest = await runWeld(
      ['publish', file, `oci://127.0.0.1:${port}/t@sha256:${'a'.repeat(64)}`, '--key', join(home, 'bad.key')],
      home,
    );
    expect(digest.stderr).toMatch(/publish to a tag/);
    const key = await runWeld(['publish', file, `oci://127.0.0.1:${port}/t:1`, '--key', join(home, 'bad.key')], home);
    expect(key.code).toBe(1);
    expect(key.stderr).toMatch(/the signing key is not a usable ECDSA P-256 PEM private key/);
    const both = await runWeld(['publish', file, `oci://127.0.0.1:${port}/t:1`, '--key', 'k', '--keyless'], home);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/choose one of --key <file> or --keyless/);
  });
});

describe('registry credentials file', () => {
  it('reports a malformed credentials file instead of silently pulling anonymously', async () => {
    writeFileSync(join(home, 'registry-credentials.json'), JSON.stringify({ registries: { 'ghcr.io': { username: 'bob' } } }));
    const r = await runWeld(['inspect-oci', `oci://127.0.0.1:${await deadPort()}/tools/x:1`], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/registry-credentials\.json is not valid: registries\.ghcr\.io\.password/);
  });
});

describe('weld publish --keyless', () => {
  it('fails clearly when Fulcio cannot be reached', async () => {
    const file = join(home, 'add.wasm');
    writeFileSync(file, await addComponent('keyless-down'));
    const port = await deadPort();
    const r = await runWeld(['publish', file, `oci://127.0.0.1:${port}/t:1`, '--keyless'], home, {
      env: {
        WELD_FULCIO_URL: `http://127.0.0.1:${port}`,
        WELD_REKOR_URL: `http://127.0.0.1:${port}`,
        SIGSTORE_ID_TOKEN: 'a.b.c',
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^weld publish: keyless signing failed \(Fulcio http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('component catalog search', () => {
  it('finds components in the bundled catalog', async () => {
    const r = await runWeld(['search', 'time'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Time Server\s+oci:\/\/ghcr\.io\/microsoft\/time-server-js:latest/);
  });

  it('prefers the user catalog in the data dir and reads an explicit --catalog alone', async () => {
    const mine = [{ name: 'My Clock', description: 'time in my office', uri: 'oci://127.0.0.1:5000/tools/clock:1.0' }];
    writeFileSync(join(home, 'catalog.json'), JSON.stringify(mine));
    const both = JSON.parse((await runWeld(['search', 'time', '--json'], home)).stdout);
    expect(both.map((e: { name: string }) => e.name)).toEqual(['My Clock', 'Time Server']);
    const other = join(home, 'other.json');
    writeFileSync(other, JSON.stringify([{ name: 'Only', description: 'time', uri: 'oci://ghcr.io/a/only:1' }]));
    const only = JSON.parse((await runWeld(['search', 'time', '--json', '--catalog', other], home)).stdout);
    expect(only).toEqual([{ name: 'Only', description: 'time', uri: 'oci://ghcr.io/a/only:1' }]);
  });

  it('rejects a catalog entry whose uri is not an oci:// reference', async () => {
    const bad = join(home, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ name: 'X', description: 'y', uri: 'https://evil.example/x.wasm' }]));
    const r = await runWeld(['search', 'x', '--catalog', bad], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/catalog .*bad\.json is not valid: \[0\.uri\] must be an oci:\/\/ reference/);
  });

  it('serves the search-components MCP tool', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [WELD_BIN, 'serve', '--stdio'],
      env: { ...(process.env as Record<string, string>), WELD_HOME: home },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'registry-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const res = await client.callTool({ name: 'search-components', arguments: { query: 'fetch rust' } });
      expect(res.structuredContent).toEqual({
        components: [expect.objectContaining({ name: 'Fetch', uri: 'oci://ghcr.io/microsoft/fetch-rs:latest' })],
      });
      await expect(client.callTool({ name: 'search-components', arguments: {} })).rejects.toThrow(/query/);
    } finally {
      await client.close();
    }
  });
});
