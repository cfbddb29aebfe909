import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempHome } from '../../test/helpers.js';
import { silentLogger } from '../engine/log.js';
import { createWeld, type Weld } from '../engine/weld.js';
import { BuildError, type BuildResult } from './build.js';
import { type DevOutcome, DevSession } from './dev.js';

/** A real component exporting `calc(a, b)`; `op` picks what it computes, so each "build" behaves differently. */
async function calcComponent(op: 'add' | 'mul'): Promise<Uint8Array> {
  return parse(`(component
  (core module $m (func (export "calc") (param i32 i32) (result i32) local.get 0 local.get 1 i32.${op}))
  (core instance $i (instantiate $m))
  (func $calc (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "calc")))
  (export "calc" (func $calc)))`);
}

const POLICY_NONE = 'version: "1.0"\npermissions: {}\n';
const POLICY_NET = 'version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: "api.example.com"\n';
const POLICY_NET_ENV = `${POLICY_NET}  environment:\n    allow:\n      - key: "API_KEY"\n`;

let home: ReturnType<typeof tempHome>;
let project: string;
let dev: Weld;
let server: Weld;
let session: DevSession | undefined;

beforeEach(async () => {
  home = tempHome('weld-dev-');
  project = join(home.home, 'calc');
  for (const d of ['wit', 'src']) mkdirSync(join(project, d), { recursive: true });
  writeFileSync(join(project, 'policy.yaml'), POLICY_NONE);
  // Two engines on one data dir, as `weld dev` and a running `weld serve` are two processes.
  dev = await createWeld({ home: join(home.home, 'data'), logger: silentLogger });
  server = await createWeld({ home: join(home.home, 'data'), logger: silentLogger });
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  await dev.stop();
  await server.stop();
  home.cleanup();
});

/** A session whose "toolchain" returns whatever the test says the sources now compile to. */
function start(next: () => Promise<Uint8Array>) {
  const builds: number[] = [];
  const outcomes: DevOutcome[] = [];
  const build = async (): Promise<BuildResult> => {
    builds.push(Date.now());
    const bytes = await next();
    const wasmPath = join(project, 'build', 'calc.wasm');
    mkdirSync(join(project, 'build'), { recursive: true });
    writeFileSync(wasmPath, bytes);
    return { name: 'calc', wasmPath, bytes };
  };
  session = new DevSession(
    {
      dir: project,
      id: 'calc',
      build,
      install: (src, o) => dev.install(src, o),
      components: dev.store.components,
      policy: dev.policy,
      debounceMs: 80,
    },
    (o) => outcomes.push(o),
  );
  session.watch();
  return { builds, outcomes };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const callCalc = async (w: Weld) =>
  (await w.dispatcher.call({ tool: 'calc', args: { a: 3, b: 4 }, client: 'test' })).content[0].text;

describe('weld dev session', () => {
  it('rebuilds once per burst of saves and the other engine serves the new build, announcing the change', async () => {
    let op: 'add' | 'mul' = 'add';
    const { builds, outcomes } = start(() => calcComponent(op));
    session?.trigger('first build');
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ kind: 'installed', first: true, ungranted: [] });
    await until(() => server.tools.has('calc'), 5000);
    expect(await callCalc(server)).toBe('7');

    let listChanged = 0;
    server.tools.onChange(() => listChanged++);
    op = 'mul';
    // An editor saving several files (and its swap file) in quick succession.
    for (let i = 0; i < 5; i++) writeFileSync(join(project, 'src', 'index.js'), `// save ${i}\n`);
    writeFileSync(join(project, 'src', '.index.js.swp'), 'x');
    await until(() => outcomes.length === 2);
    expect(builds).toHaveLength(2);
    expect(outcomes[1]).toMatchObject({ kind: 'installed', first: false, added: [] });
    // The serving engine notices the store change by itself (within ~1 s) and reloads the component.
    await until(() => listChanged > 0, 5000);
    await until(() => server.store.components.get('calc')?.digest === dev.store.components.get('calc')?.digest);
    expect(await callCalc(server)).toBe('12');
  });

  it('reports a build error and keeps watching; the fixed source builds', async () => {
    let broken = true;
    const { outcomes } = start(async () => {
      if (broken) throw new BuildError('src/index.ts:2:16: Expression expected.');
      return calcComponent('add');
    });
    writeFileSync(join(project, 'src', 'index.ts'), 'export function calc(a: number, b: number) {\n  return a +* b;\n}\n');
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ kind: 'failed', stage: 'build', message: 'src/index.ts:2:16: Expression expected.' });
    expect(dev.store.components.get('calc')).toBeUndefined();
    broken = false;
    writeFileSync(join(project, 'src', 'index.ts'), 'export function calc(a: number, b: number) {\n  return a + b;\n}\n');
    await until(() => outcomes.length === 2);
    expect(outcomes[1]).toMatchObject({ kind: 'installed' });
    expect(await callCalc(dev)).toBe('7');
  });

  it('keeps grants when a build asks for more, and reports what is new and ungranted', async () => {
    writeFileSync(join(project, 'policy.yaml'), POLICY_NET);
    const { outcomes } = start(() => calcComponent('add'));
    session?.trigger('first build');
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({
      kind: 'installed',
      ungranted: [{ kind: 'network', target: 'api.example.com', source: 'policy' }],
    });
    dev.policy.grant({ componentId: 'calc', kind: 'network', target: 'api.example.com', by: 'test' });

    // Same code, a policy that now also wants an API key: an update, not "unchanged".
    writeFileSync(join(project, 'policy.yaml'), POLICY_NET_ENV);
    await until(() => outcomes.length === 2);
    expect(outcomes[1]).toMatchObject({
      kind: 'installed',
      added: [{ kind: 'environment', target: 'API_KEY', source: 'policy' }],
      ungranted: [{ kind: 'environment', target: 'API_KEY', source: 'policy' }],
    });
    expect(dev.policy.grants('calc').map((g) => `${g.kind} ${g.target}`)).toEqual(['network api.example.com']);
    expect(dev.store.components.get('calc')?.policy).toBe(POLICY_NET_ENV);

    // Saving without a change that matters builds, finds the same component and policy, and says so.
    writeFileSync(join(project, 'wit', 'world.wit'), '// touched\n');
    await until(() => outcomes.length === 3);
    expect(outcomes[2]).toMatchObject({ kind: 'unchanged' });
  });
});
