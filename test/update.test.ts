import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src-main/engine/log.js';
import { createWeld, type Weld } from '../src-main/engine/weld.js';
import { runWeld, tempHome } from './helpers.js';
import { registryMissing, startRegistry, type TestRegistry } from './oci-registry.js';
import { addComponent } from './wasm-fixture.js';

let reg: TestRegistry;
let author: { home: string; cleanup: () => void };
let user: { home: string; cleanup: () => void };

const policy = (lines: string[]) => `version: "1.0"\npermissions:\n${lines.join('\n')}\n`;
const NET = (host: string) => `  network:\n    allow:\n      - host: "${host}"`;
const NETS = (...hosts: string[]) => `  network:\n    allow:\n${hosts.map((h) => `      - host: "${h}"`).join('\n')}`;
const ENV = '  environment:\n    allow:\n      - key: "API_KEY"';

async function publish(variant: string, tag: string, policyYaml: string, key = 'alice', repo = 'tools/calc') {
  const file = join(author.home, `${variant}.wasm`);
  writeFileSync(file, await addComponent(`update-${variant}`));
  writeFileSync(join(author.home, `${variant}.yaml`), policyYaml);
  const r = await runWeld(
    [
      'publish',
      file,
      `oci://${reg.host}/${repo}:${tag}`,
      '--policy',
      join(author.home, `${variant}.yaml`),
      '--key',
      join(author.home, `${key}.key`),
      '--json',
    ],
    author.home,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { digest: string; pinned: string };
}

/** The user's engine, opened only while the CLI is not running against the same data dir. */
async function withUserWeld<T>(fn: (weld: Weld) => T | Promise<T>): Promise<T> {
  const weld = await createWeld({ home: user.home, logger: silentLogger });
  try {
    return await fn(weld);
  } finally {
    await weld.stop();
  }
}

const installedRef = () => withUserWeld((w) => w.store.components.get('calc')?.sourceRef);
const grantTargets = () =>
  withUserWeld((w) =>
    w.policy
      .grants('calc')
      .map((g) => `${g.kind} ${g.target}`)
      .sort(),
  );

describe.skipIf(registryMissing !== null)('weld update (docker-registry on loopback)', () => {
  beforeAll(async () => {
    reg = await startRegistry();
    author = tempHome('weld-update-author-');
    user = tempHome('weld-update-user-');
    for (const name of ['alice', 'mallory']) {
      expect((await runWeld(['keygen', '--out', author.home, '--name', name], author.home)).code).toBe(0);
    }
    expect((await runWeld(['trust', 'add-key', 'alice', join(author.home, 'alice.pub')], user.home)).code).toBe(0);
  });
  afterAll(async () => {
    await reg?.stop();
    author?.cleanup();
    user?.cleanup();
  });

  it('walks a component through versions: up to date, growth refused, accepted, untrusted refused, shrink', async () => {
    const v1 = await publish('v1', '1.0', policy([NET('api.example.com'), ENV]));
    const install = await runWeld(['install', `oci://${reg.host}/tools/calc:1.0`], user.home);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    await withUserWeld((w) => {
      w.policy.grant({ componentId: 'calc', kind: 'network', target: 'api.example.com', by: 'test' });
      w.policy.grant({ componentId: 'calc', kind: 'environment', target: 'API_KEY', by: 'test' });
    });

    // Nothing new under the tag.
    const same = await runWeld(['update', 'calc'], user.home);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^calc is up to date \(oci:\/\/127\.0\.0\.1:\d+\/tools\/calc:1\.0 is sha256:/);

    // v2 under the same tag: keeps the API host, adds an upload host, drops the API key.
    const v2 = await publish('v2', '1.0', policy([NETS('api.example.com', 'upload.example.com')]));
    const refused = await runWeld(['update', 'calc'], user.home);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /\+ network\s+upload\.example\.com\s+\[from policy\]\s+NEW, not granted; to allow: weld grant calc network upload\.example\.com/,
    );
    expect(refused.stdout).toMatch(/- environment API_KEY\s+\[from policy\]\s+no longer requested; its grant will be revoked/);
    expect(refused.stdout).toMatch(/ {4}network\s+api\.example\.com\s+\[from policy\]\s+granted, kept/);
    expect(refused.stderr).toMatch(/not updated: the new version asks for more .* Run `weld update calc --yes` to accept it/);
    expect(await installedRef()).toBe(v1.pinned);

    const accepted = await runWeld(['update', 'calc', '--yes'], user.home);
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`calc updated to ${v2.pinned}`);
    expect(accepted.stdout).toMatch(/revoked: environment API_KEY/);
    expect(accepted.stdout).toContain('  weld grant calc network upload.example.com\n');
    expect(await installedRef()).toBe(v2.pinned);
    expect(await grantTargets()).toEqual(['network api.example.com']);

    // Someone without a trusted key pushes over the tag: refused before anything is downloaded or changed.
    await publish('v3', '1.0', policy([NET('api.example.com')]), 'mallory');
    const untrusted = await runWeld(['update', 'calc', '--yes'], user.home);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/refusing oci:\/\/.*calc@sha256:[0-9a-f]{64}: .*Nothing was installed/);
    expect(await installedRef()).toBe(v2.pinned);

    // A version that only asks for less installs without a terminal and without --yes.
    const v4 = await publish('v4', '1.1', policy([NET('api.example.com')]));
    const shrink = await runWeld(['update', 'calc', '--tag', '1.1', '--json'], user.home);
    expect(shrink.stderr).toBe('');
    expect(shrink.code).toBe(0);
    const out = JSON.parse(shrink.stdout);
    expect(out).toMatchObject({ updated: true, needsApproval: false, available: v4.pinned, revoked: [] });
    expect(out.diff.removed).toEqual([{ kind: 'network', target: 'upload.example.com', source: 'policy' }]);
    expect(await grantTargets()).toEqual(['network api.example.com']);
    const version = await withUserWeld((w) => w.store.components.get('calc')?.version);
    expect(version).toBe('1.1');

    // Without a component id every registry-installed component is checked (at its own tag, now 1.1).
    const all = await runWeld(['update', '--json'], user.home);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject([{ id: 'calc', upToDate: true, updated: false }]);
  }, 300_000);

  it('refuses a rollback (an older signed version re-tagged as current) unless --allow-downgrade, and audits both', async () => {
    const old = await publish('roll-old', '2.0', policy([NET('api.example.com')]), 'alice', 'tools/roll');
    const current = await publish('roll-new', '2.0', policy([NET('api.example.com')]), 'alice', 'tools/roll');
    const install = await runWeld(['install', `oci://${reg.host}/tools/roll:2.0`, '--name', 'roll'], user.home);
    expect([install.code, install.stderr]).toEqual([0, '']);
    // The registry (or whoever controls it) points the tag back at the older, validly signed manifest.
    const base = `http://${reg.host}/v2/tools/roll/manifests`;
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    const oldManifest = await (await fetch(`${base}/${old.digest}`, { headers: accept })).arrayBuffer();
    expect(oldManifest.byteLength).toBeGreaterThan(0);
    const retag = await fetch(`${base}/2.0`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: oldManifest,
    });
    expect(retag.status).toBe(201);

    for (const args of [[], ['--yes']]) {
      const refused = await runWeld(['update', 'roll', ...args], user.home);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/POSSIBLE ROLLBACK: the available version was created .*, before the installed one/);
      expect(refused.stderr).toMatch(/not updated: this may be a rollback to an older version: .*--allow-downgrade/);
      expect(await withUserWeld((w) => w.store.components.get('roll')?.sourceRef)).toBe(current.pinned);
    }
    const allowed = await runWeld(['update', 'roll', '--yes', '--allow-downgrade'], user.home);
    expect([allowed.code, allowed.stderr]).toEqual([0, '']);
    expect(allowed.stdout).toContain(`roll downgraded to ${old.pinned}`);
    const actions = await withUserWeld((w) =>
      w.store.audit
        .list()
        .filter((e) => e.subject === 'roll')
        .map((e) => e.action),
    );
    expect(actions.filter((a) => a === 'component.downgrade-refused')).toHaveLength(2);
    expect(actions.slice(-2)).toEqual(['component.downgrade-allowed', 'component.updated']);
  }, 300_000);

  it('an update whose code is installed under another id fails, says where, and changes nothing', async () => {
    await publish('shared', '1.0', policy([NET('api.example.com')]), 'alice', 'tools/other');
    expect((await runWeld(['install', `oci://${reg.host}/tools/other:1.0`], user.home)).code).toBe(0);
    await publish('dup-v1', '3.0', policy([NET('api.example.com')]), 'alice', 'tools/dup');
    expect((await runWeld(['install', `oci://${reg.host}/tools/dup:3.0`], user.home)).code).toBe(0);
    const before = await withUserWeld((w) => w.store.components.get('dup')?.digest);
    // The next version of dup is byte for byte the code installed as "other".
    await publish('shared', '3.0', policy([NET('api.example.com')]), 'alice', 'tools/dup');
    const r = await runWeld(['update', 'dup', '--yes'], user.home);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/dup updated/);
    expect(r.stderr).toMatch(/not updated: this code \(sha256:.*\) is already installed as "other"/);
    expect(await withUserWeld((w) => w.store.components.get('dup')?.digest)).toBe(before);
    const last = await withUserWeld((w) => w.store.audit.list().at(-1));
    expect(last).toMatchObject({ action: 'component.install-refused', subject: 'dup' });
  }, 300_000);

  it('explains why a component installed from a file or not installed at all cannot be updated', async () => {
    const file = join(user.home, 'local.wasm');
    writeFileSync(file, await addComponent('update-local'));
    expect((await runWeld(['install', file], user.home)).code).toBe(0);
    const local = await runWeld(['update', 'local'], user.home);
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(
      /local was installed from file:\/\/.*local\.wasm, not from a registry; install a new build with `weld install <file> --name local`/,
    );
    const missing = await runWeld(['update', 'nope'], user.home);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no component "nope" is installed/);
  });
});
