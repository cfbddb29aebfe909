import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComponent, exampleDir } from '../fixtures/build.js';
import { coreModule, limitsComponent } from '../fixtures/wat-components.js';
import { runWeld, tempHome } from '../helpers.js';

describe('weld install / remove / tools / call', () => {
  const home = tempHome();
  let limits: string;
  let reader: string;
  beforeAll(async () => {
    limits = join(home.home, 'limits.wasm');
    writeFileSync(limits, await limitsComponent());
    reader = await buildComponent(exampleDir('read-file'));
  }, 120_000);
  afterAll(() => home.cleanup());
  const refusals = async () => {
    const r = await runWeld(['audit', '--json'], home.home);
    return r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.action === 'component.install-refused');
  };

  it('installs a file, prints its tools and says there is nothing to approve', async () => {
    const r = await runWeld(['install', limits], home.home);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^limits installed/);
    expect(r.stdout).toMatch(/add\(a: integer, b: integer\)/);
    expect(r.stdout).toMatch(/Nothing to approve/);
    const again = await runWeld(['install', limits], home.home);
    expect(again.stdout).toMatch(/already installed/);
  });

  it('calls a tool from the terminal, typed by its schema, and reports bad arguments', async () => {
    const ok = await runWeld(['call', 'add', '--arg', 'a=2', '--arg', 'b=40'], home.home);
    expect(ok).toMatchObject({ code: 0, stdout: '42\n' });
    const bad = await runWeld(['call', 'add', '--arg', 'a=x', '--arg', 'b=1'], home.home);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/field "a"/);
    const tools = await runWeld(['tools'], home.home);
    expect(tools.stdout).toMatch(/grow-memory\(\)/);
  });

  it('grants nothing without approval and prints the commands; --yes approves what is requested', async () => {
    const policy = join(exampleDir('read-file'), 'policy.yaml');
    const asked = await runWeld(['install', reader, '--policy', policy, '--name', 'reader'], home.home);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/Not granted yet/);
    expect(asked.stdout).toMatch(/weld grant reader storage .*--access read/);
    const yes = await runWeld(['install', reader, '--policy', policy, '--name', 'reader', '--yes'], home.home);
    expect(yes.stdout).toMatch(/granted storage fs:\/\/\//);
    const shown = await runWeld(['policy', 'show', 'reader'], home.home);
    expect(shown.stdout).toMatch(/read/);
  }, 60_000);

  it('refuses a core module with a reason and exit status 1, and audits the refusal', async () => {
    const core = join(home.home, 'core.wasm');
    writeFileSync(core, await coreModule());
    const r = await runWeld(['install', core], home.home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/core WebAssembly module, not a component/);
    const refused = await refusals();
    expect(refused.at(-1)).toMatchObject({
      actor: 'cli',
      action: 'component.install-refused',
      subject: 'core',
      detail: { source: `file://${core}`, reason: expect.stringMatching(/not a component/) },
    });
    const missing = await runWeld(['install', join(home.home, 'nope.wasm')], home.home);
    expect(missing.code).toBe(1);
    expect((await refusals()).at(-1)).toMatchObject({ action: 'component.install-refused', subject: 'nope' });
  });

  it('install --name of code already installed under another id says so and installs nothing, audited', async () => {
    const r = await runWeld(['install', limits, '--name', 'add2'], home.home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already installed as "limits"/);
    expect(r.stdout).toBe('');
    const list = JSON.parse((await runWeld(['list', '--json'], home.home)).stdout) as { id: string }[];
    expect(list.map((c) => c.id)).not.toContain('add2');
    expect((await refusals()).at(-1)).toMatchObject({ subject: 'add2', detail: { reason: expect.stringMatching(/limits/) } });
  });

  it('removes a component and its tools', async () => {
    const r = await runWeld(['remove', 'limits'], home.home);
    expect(r).toMatchObject({ code: 0 });
    const call = await runWeld(['call', 'add', '--arg', 'a=1', '--arg', 'b=1'], home.home);
    expect(call.code).toBe(1);
    expect(call.stderr).toMatch(/Unknown tool "add"/);
    const missing = await runWeld(['remove', 'limits'], home.home);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no component "limits"/);
  });
});
