import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src-main/engine/log.js';
import type { ToolResult } from '../../src-main/engine/mcp/tool-table.js';
import type { GrantInput } from '../../src-main/engine/policy/index.js';
import { resolveSource } from '../../src-main/engine/runtime/sources.js';
import type { CapabilityEventRow } from '../../src-main/engine/store/calls.js';
import { createWeld, type Weld } from '../../src-main/engine/weld.js';
import { buildComponent, fixtureDir } from '../fixtures/build.js';
import { weldOk } from '../helpers.js';

export const CANARY_TEXT = 'canary: must never be read or changed by a guest';

const ATIME = new Date(Date.UTC(2001, 0, 1));
const MTIME = new Date(Date.UTC(2002, 0, 1));

/** Whether reading a file updates its atime here (relatime does for an atime older than a day). */
function readsUpdateAtime(dir: string): boolean {
  const probe = join(dir, '.atime-probe');
  writeFileSync(probe, 'probe');
  utimesSync(probe, ATIME, MTIME);
  readFileSync(probe);
  const works = statSync(probe).atimeMs !== ATIME.getTime();
  rmSync(probe);
  return works;
}

/**
 * A file outside every grant. Unchanged content and mtime prove no guest wrote it; where the file
 * system records reads, an unchanged atime (set far in the past, so any read moves it) proves no guest
 * read it either. Tests also check that the canary text never appears in a result.
 */
export class Canary {
  readonly path: string;
  readonly #atime: boolean;

  constructor(dir: string, name = 'canary.txt') {
    this.path = join(dir, name);
    this.#atime = readsUpdateAtime(dir);
    writeFileSync(this.path, CANARY_TEXT);
    utimesSync(this.path, ATIME, MTIME);
  }

  /** Throws unless the canary is intact and (where measurable) unread since it was made. */
  check(): void {
    const st = statSync(this.path);
    if (st.mtimeMs !== MTIME.getTime() || st.size !== Buffer.byteLength(CANARY_TEXT))
      throw new Error(`canary ${this.path} was modified`);
    if (st.nlink !== 1) throw new Error(`canary ${this.path} gained a hard link`);
    if (this.#atime && st.atimeMs !== ATIME.getTime()) throw new Error(`canary ${this.path} was read (its atime moved)`);
    // Reading the content moves the atime, so put it back for the next check.
    const content = readFileSync(this.path, 'utf8');
    utimesSync(this.path, ATIME, MTIME);
    if (content !== CANARY_TEXT) throw new Error(`canary ${this.path} content changed`);
  }
}

export interface HostileWorld {
  weld: Weld;
  /** Temp root holding everything below; removed by close(). */
  base: string;
  /** The Weld data dir. */
  home: string;
  componentId: string;
  call(tool: string, args?: Record<string, unknown>): Promise<ToolResult>;
  /** Calls and returns the result together with its call id (for events() and the call log). */
  traced(tool: string, args?: Record<string, unknown>): Promise<{ result: ToolResult; callId: string }>;
  events(callId: string): CapabilityEventRow[];
  close(): Promise<void>;
}

/** The hostile fixture, built once per process (cached by source hash across runs). */
let built: Promise<string> | undefined;
export function hostileWasm(): Promise<string> {
  built ??= buildComponent(fixtureDir('hostile'));
  return built;
}

/** Installs the hostile fixture as `hostile` into a data dir with the real CLI, with `policyYaml`. */
export async function installHostileWithCli(home: string, policyYaml: string): Promise<void> {
  const policy = join(home, 'hostile-policy.yaml');
  writeFileSync(policy, policyYaml);
  await weldOk(home, ['install', await hostileWasm(), '--name', 'hostile', '--policy', policy, '--yes']);
}

/**
 * A real engine with the hostile fixture installed in a fresh temp data dir. `grants` are made as a
 * person would (`by: 'test'`); `policy` is the YAML the component is installed with.
 */
export async function hostileWorld(
  opts: {
    /** The policy YAML (or a function of the temp root) the component is installed with. */
    policy?: string | ((base: string) => string);
    grants?: (base: string) => Omit<GrantInput, 'componentId' | 'by'>[];
    env?: Record<string, string>;
    setup?: (base: string) => void;
  } = {},
): Promise<HostileWorld> {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-sec-')));
  const home = join(base, 'home');
  mkdirSync(home);
  opts.setup?.(base);
  const weld = await createWeld({ home, logger: silentLogger, env: { HOME: join(base, 'user'), ...opts.env } });
  let policyPath: string | undefined;
  if (opts.policy) {
    policyPath = join(base, 'policy.yaml');
    writeFileSync(policyPath, typeof opts.policy === 'string' ? opts.policy : opts.policy(base));
  }
  const src = await resolveSource(await hostileWasm(), { policyPath, registry: weld.registry });
  const { record } = await weld.install({ ...src, name: 'hostile.wasm' }, { actor: 'test' });
  for (const g of opts.grants?.(base) ?? []) weld.policy.grant({ ...g, componentId: record.id, by: 'test' });
  // Start the worker now, so the first test does not pay for compiling and instantiating the guest.
  const warm = await weld.dispatcher.call({ tool: 'ok', args: {}, client: 'warm-up' });
  if (warm.isError) throw new Error(`the hostile fixture did not start: ${text(warm)}`);

  const traced = async (tool: string, args: Record<string, unknown> = {}) => {
    let callId = '';
    const off = weld.events.on('call.started', (e) => {
      if (e.tool === tool && !callId) callId = e.callId;
    });
    try {
      const result = await weld.dispatcher.call({ tool, args, client: 'security-test' });
      return { result, callId };
    } finally {
      off();
    }
  };
  return {
    weld,
    base,
    home,
    componentId: record.id,
    call: (tool, args = {}) => weld.dispatcher.call({ tool, args, client: 'security-test' }),
    traced,
    events(callId) {
      weld.store.recorder.flush();
      return weld.store.calls.capabilityEvents(callId);
    },
    async close() {
      await weld.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** The text of a tool result (what an MCP client shows). */
export function text(r: ToolResult): string {
  return r.content.map((c) => c.text).join('\n');
}
