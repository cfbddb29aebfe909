import { existsSync, type FSWatcher, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PolicyEngine } from '../engine/policy/index.js';
import { diffRequested } from '../engine/registry/component-diff.js';
import type { InstallResult, InstallSource } from '../engine/runtime/install.js';
import type { ComponentRecord, ComponentStore, RequestedCapability } from '../engine/store/components.js';
import { BuildError, type BuildResult } from './build.js';

export type DevOutcome =
  | { kind: 'failed'; stage: 'build' | 'install'; message: string; ms: number }
  | { kind: 'unchanged'; ms: number }
  | {
      kind: 'installed';
      record: ComponentRecord;
      /** No earlier version was installed under this id. */
      first: boolean;
      ms: number;
      /** Requested now and not by the version it replaced (first install: everything requested). */
      added: RequestedCapability[];
      /** Requested and not covered by any grant. */
      ungranted: RequestedCapability[];
    };

export interface DevDeps {
  dir: string;
  /** The component id every rebuild is installed under. */
  id: string;
  build(): Promise<BuildResult>;
  install(src: InstallSource, opts: { id: string; actor: string }): Promise<InstallResult>;
  components: Pick<ComponentStore, 'get'>;
  policy: Pick<PolicyEngine, 'requested' | 'reapprove'>;
  /** Quiet time after the last change before building, so one save of several files is one build. */
  debounceMs?: number;
}

/** Editor droppings that are not sources: swap files, backups, vim's write test file. */
const IGNORED = /(^\.|~$|\.sw[a-p]$|^4913$)/;

/**
 * `weld dev`: rebuilds a tool project when its sources change and installs each build under one
 * component id in the data dir. A running Weld notices the store change by itself and reloads the
 * component, which tells its MCP clients the tool list changed. Installing grants nothing: grants
 * made for earlier builds stay, and whatever a build asks for beyond them is reported, not granted.
 */
export class DevSession {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again: string | undefined;
  #watchers: FSWatcher[] = [];

  constructor(
    private readonly deps: DevDeps,
    private readonly report: (outcome: DevOutcome, reason: string) => void,
    private readonly onStart: (reason: string) => void = () => {},
  ) {}

  /** Builds and installs once; resolves with what happened. Never throws for the author's mistakes. */
  async rebuild(): Promise<DevOutcome> {
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    let built: BuildResult;
    try {
      built = await this.deps.build();
    } catch (err) {
      // A toolchain that is missing or crashed is reported like a compile error: dev keeps watching.
      const message = err instanceof BuildError || err instanceof Error ? err.message : String(err);
      return { kind: 'failed', stage: 'build', message, ms: ms() };
    }
    const policyPath = join(this.deps.dir, 'policy.yaml');
    const before = this.deps.components.get(this.deps.id);
    let result: InstallResult;
    try {
      result = await this.deps.install(
        {
          bytes: built.bytes,
          sourceRef: pathToFileURL(built.wasmPath).href,
          name: this.deps.id,
          policyYaml: existsSync(policyPath) ? readFileSync(policyPath, 'utf8') : null,
          signatureStatus: 'local',
          publisher: null,
        },
        { id: this.deps.id, actor: 'weld-dev' },
      );
    } catch (err) {
      return { kind: 'failed', stage: 'install', message: err instanceof Error ? err.message : String(err), ms: ms() };
    }
    if (result.unchanged) return { kind: 'unchanged', ms: ms() };
    // `weld dev` rebuilds the person's own source on every save: they chose this code, so their grants follow it.
    this.deps.policy.reapprove(this.deps.id, 'weld-dev');
    const { added } = diffRequested(before?.requestedCapabilities ?? [], result.record.requestedCapabilities);
    const ungranted = this.deps.policy
      .requested(this.deps.id)
      .filter((c) => !c.granted)
      .map(({ granted: _g, ...c }) => c);
    return { kind: 'installed', record: result.record, first: !before, ms: ms(), added, ungranted };
  }

  /** Watches wit/, src/ and policy.yaml; each burst of changes becomes one rebuild, never two at once. */
  watch(): void {
    const dir = this.deps.dir;
    const on = (where: string) => (_event: string, file: string | Buffer | null) => {
      const name = file ? String(file) : '';
      const base = name.split(/[\\/]/).pop() ?? '';
      if (IGNORED.test(base)) return;
      if (where === '' && base !== 'policy.yaml') return;
      this.changed(where ? `${where}/${name}` : base);
    };
    this.#watchers.push(watch(dir, on('')));
    for (const sub of ['wit', 'src']) {
      if (existsSync(join(dir, sub))) this.#watchers.push(watch(join(dir, sub), { recursive: true }, on(sub)));
    }
    for (const w of this.#watchers) w.on('error', () => {});
  }

  changed(file: string): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.trigger(`${file} changed`), this.deps.debounceMs ?? 200);
  }

  /** Builds now, or right after the build that is running. */
  trigger(reason: string): void {
    if (this.#running) {
      this.#again = reason;
      return;
    }
    this.#running = (async () => {
      let next: string | undefined = reason;
      while (next) {
        this.#again = undefined;
        this.onStart(next);
        this.report(await this.rebuild(), next);
        next = this.#again;
      }
    })().finally(() => {
      this.#running = undefined;
    });
  }

  get building(): boolean {
    return this.#running !== undefined;
  }

  /** Resolves when no build is running or waiting (tests, and a clean exit). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    await this.idle();
  }
}
