import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { ToolAnnotations, ToolDefinition, ToolTable } from '../mcp/tool-table.js';
import { type ExportedFunction, exportPath } from '../schema/index.js';
import type { ComponentRecord, ComponentStore, ToolDescriptor } from '../store/components.js';
import { type CallDenials, denialText } from './call-denials.js';
import { currentTools } from './current-tools.js';
import { type CallOutcome, ComponentInstance } from './instance.js';
import { limitMemories } from './memory-limit.js';
import { HOST_OPS, type SandboxPlan } from './sandbox.js';
import { toToolResult } from './tool-result.js';
import { type CachedComponent, readCached, removeCached } from './transpile-cache.js';

export interface RuntimeDeps {
  cacheRoot: string;
  components: ComponentStore;
  tools: ToolTable;
  events: EventBus;
  logger: Logger;
  /** The sandbox for a component's next instance (grants, limits); from the policy layer. */
  plan(componentId: string): SandboxPlan;
  /** Host operations from a guest: capability requests, audit of accesses, HTTP. */
  onHostCall(componentId: string, callId: string | null, op: string, payload: unknown): unknown | Promise<unknown>;
  idleMs?: number;
  captureLimit?: number;
  /** What the host refused during a call, appended to its result. */
  denials?: CallDenials;
  /** A component's tool annotations under its current grants. */
  annotations?(componentId: string): ToolAnnotations;
}

const DEFAULT_IDLE_MS = 5 * 60_000;
const DEFAULT_CAPTURE = 64 * 1024;

/**
 * Installed components as callable tools. A component's worker starts on its first call (or on
 * prewarm) and its compiled core modules are kept per memory limit, so a restarted worker after a
 * timeout pays neither transpile nor compile again.
 */
export class ComponentRuntime {
  /** Each loaded component's instance, with its compiled modules (compiled on first use). */
  readonly #instances = new Map<
    string,
    { instance: ComponentInstance; modules: () => Promise<Record<string, WebAssembly.Module>> }
  >();
  /** What each loaded instance was built from: digest and policy (a new policy means new limits and denies). */
  readonly #loadedDigest = new Map<string, string>();
  /**
   * Plans are built from grants and the policy (SQL and YAML): far too slow for the call path, so each
   * component's is kept until its grants change (restart) or it is reloaded.
   */
  readonly #plans = new Map<string, SandboxPlan>();
  readonly #compiled = new Map<string, Promise<Record<string, WebAssembly.Module>>>();
  /** Where each running call's stderr lines go (its client's log), by call id. */
  readonly #stderrTo = new Map<string, (line: string) => void>();

  constructor(readonly deps: RuntimeDeps) {}

  /** Registers the tools of every enabled, installed component whose cache is present. */
  loadInstalled(): void {
    for (const record of this.deps.components.list()) {
      if (!record.enabled) continue;
      try {
        this.load(record);
      } catch (err) {
        this.deps.logger.error('component not loaded', { component: record.id, err: String(err) });
      }
    }
  }

  load(record: ComponentRecord): void {
    const cached = readCached(this.deps.cacheRoot, record.digest);
    if (!cached) throw new Error(`the transpiled code of ${record.id} is missing from the cache; reinstall it`);
    this.unload(record.id);
    const modules = () => this.#modules(record.digest, cached, this.#plan(record.id).limits.memoryBytes);
    const instance = new ComponentInstance({
      componentId: record.id,
      glueUrl: cached.glueUrl,
      modules,
      functions: cached.functions,
      plan: () => this.#plan(record.id),
      onHostCall: (callId, op, payload) =>
        op === HOST_OPS.stderr ? this.#stderrLine(callId, payload) : this.deps.onHostCall(record.id, callId, op, payload),
      idleMs: this.deps.idleMs ?? DEFAULT_IDLE_MS,
      captureLimit: this.deps.captureLimit ?? DEFAULT_CAPTURE,
    });
    this.#instances.set(record.id, { instance, modules });
    this.#loadedDigest.set(record.id, loadedKey(record));
    const byExport = new Map(cached.functions.map((fn) => [exportPath(fn), fn]));
    this.deps.tools.add(
      this.#currentTools(record, cached.functions).map((t) => {
        const fn = byExport.get(t.export);
        if (!fn) throw new Error(`${record.id}: tool ${t.name} names a missing export ${t.export}; reinstall it`);
        return this.#tool(record, t, fn, instance);
      }),
    );
  }

  /**
   * The component's tools under this Weld's rules (current-tools.ts). When they differ from the stored
   * ones (installed by an older Weld), the store is brought up to date, so `weld tools`, the window and
   * a later update's diff show what clients are served.
   */
  #currentTools(record: ComponentRecord, functions: readonly ExportedFunction[]): ToolDescriptor[] {
    let others: Set<string> | undefined;
    // Names other installed components hold, loaded yet or not: a renamed tool never takes one.
    const storedElsewhere = (name: string) => {
      others ??= new Set(
        this.deps.components
          .list()
          .filter((c) => c.id !== record.id && c.enabled)
          .flatMap((c) => c.tools.map((t) => t.name)),
      );
      return others.has(name);
    };
    const tools = currentTools(record.id, record.tools, functions, (n) => this.deps.tools.has(n) || storedElsewhere(n));
    if (JSON.stringify(tools) === JSON.stringify(record.tools)) return tools;
    const before = new Set(record.tools.map((t) => t.name));
    this.deps.logger.info('tools re-derived under the current naming and description rules', {
      component: record.id,
      renamed: tools.filter((t) => !before.has(t.name)).map((t) => t.name),
    });
    try {
      this.deps.components.setTools(record.id, record.digest, tools);
    } catch (err) {
      // A read-only store still serves the current tools; the next Weld that can write records them.
      this.deps.logger.warn('re-derived tools not stored', { component: record.id, err: String(err) });
    }
    return tools;
  }

  unload(componentId: string): void {
    this.deps.tools.removeComponent(componentId);
    const instance = this.#instances.get(componentId)?.instance;
    this.#instances.delete(componentId);
    this.#loadedDigest.delete(componentId);
    this.#plans.delete(componentId);
    void instance?.stop();
  }

  /**
   * Brings the loaded tools in line with the store, after another process (the CLI, the tray app)
   * installed, updated, disabled or removed a component. Returns the ids that changed.
   */
  reconcile(): string[] {
    const wanted = new Map(
      this.deps.components
        .list()
        .filter((r) => r.enabled)
        .map((r) => [r.id, r]),
    );
    const changed: string[] = [];
    for (const id of [...this.#loadedDigest.keys()]) {
      const want = wanted.get(id);
      if (!want || loadedKey(want) !== this.#loadedDigest.get(id)) {
        this.unload(id);
        changed.push(id);
      }
    }
    for (const record of wanted.values()) {
      if (this.#instances.has(record.id)) continue;
      try {
        this.load(record);
        if (!changed.includes(record.id)) changed.push(record.id);
      } catch (err) {
        this.deps.logger.error('component not loaded', { component: record.id, err: String(err) });
      }
    }
    return changed;
  }

  /**
   * Forgets a component version's cache entry and compiled modules; its instance goes too unless other
   * code (the version that replaced it) is loaded under the id by now.
   */
  purge(record: ComponentRecord): void {
    if (this.#loadedDigest.get(record.id)?.startsWith(`${record.digest}\0`) ?? true) this.unload(record.id);
    for (const key of this.#compiled.keys()) if (key.startsWith(record.digest)) this.#compiled.delete(key);
    removeCached(this.deps.cacheRoot, record.digest);
  }

  /** Runs a capability decision for a component's current call without charging it to the call timeout. */
  hold<T>(componentId: string, decision: Promise<T>): Promise<T> {
    return this.#instances.get(componentId)?.instance.hold(decision) ?? decision;
  }

  /** A loaded component's guest memory (bytes) and how many times its grown instance was replaced. */
  guestMemory(componentId: string): { bytes: number; recycles: number } | undefined {
    return this.#instances.get(componentId)?.instance.guestMemory;
  }

  /** The next call gets a fresh worker with the current plan (grants changed); posted calls finish first. */
  async restart(componentId: string): Promise<void> {
    this.#plans.delete(componentId);
    await this.#instances.get(componentId)?.instance.restart();
  }

  /**
   * Compiles every loaded component and starts its worker now, so the first call does not pay for it.
   * Resolves once the modules are compiled (the workers boot meanwhile), not once the workers are
   * ready: the caller can load the rest of itself while they instantiate. A component that fails to compile is left to its first call, which reports why.
   */
  async prewarm(): Promise<void> {
    await Promise.all(
      [...this.#instances.entries()].map(async ([id, { instance, modules }]) => {
        // The thread boots while its modules compile; it gets them as soon as they are.
        void instance.prewarm();
        try {
          await modules();
        } catch (err) {
          this.deps.logger.warn('component not prewarmed', { component: id, err: String(err) });
        }
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#instances.values()].map((i) => i.instance.stop()));
    this.#instances.clear();
  }

  #stderrLine(callId: string | null, line: unknown): void {
    if (callId !== null && typeof line === 'string') this.#stderrTo.get(callId)?.(line);
  }

  #plan(componentId: string): SandboxPlan {
    let plan = this.#plans.get(componentId);
    if (!plan) {
      plan = this.deps.plan(componentId);
      this.#plans.set(componentId, plan);
    }
    return plan;
  }

  #modules(digest: string, cached: CachedComponent, memoryBytes: number): Promise<Record<string, WebAssembly.Module>> {
    const key = `${digest}:${memoryBytes}`;
    let compiled = this.#compiled.get(key);
    if (!compiled) {
      compiled = (async () => {
        // The limit is shared by all the component's memories, so the modules are capped together.
        const limited = limitMemories(
          cached.modules.map((name) => readFileSync(join(cached.dir, name))),
          memoryBytes,
        );
        const entries = await Promise.all(
          cached.modules.map(
            async (name, i) => [name, await WebAssembly.compile(limited[i] as Uint8Array<ArrayBuffer>)] as const,
          ),
        );
        return Object.fromEntries(entries);
      })();
      compiled.catch(() => this.#compiled.delete(key));
      this.#compiled.set(key, compiled);
    }
    return compiled;
  }

  #tool(record: ComponentRecord, t: ToolDescriptor, fn: ExportedFunction, instance: ComponentInstance): ToolDefinition {
    // Named keys only: a WIT import of wasi:cli/environment asks for `*`, which names nothing to set.
    const requestedKeys = record.requestedCapabilities
      .filter((c) => c.kind === 'environment' && c.target !== '*')
      .map((c) => c.target);
    return {
      name: t.name,
      description: t.description,
      // Derived from the code at load (#currentTools): they match what toGuestArgs accepts and what
      // structuredContent returns, whichever Weld installed the component.
      inputSchema: t.inputSchema,
      outputSchema: t.outputSchema,
      annotations: this.deps.annotations && (() => this.deps.annotations!(record.id)),
      componentId: record.id,
      invoke: async (args, ctx) => {
        const plan = this.#plan(record.id);
        const { log } = ctx;
        // The guest's stderr lines and Weld's refusals reach the calling client as they happen.
        let unwatch = () => {};
        if (log) {
          this.#stderrTo.set(ctx.callId, (line) => log('info', record.id, line));
          unwatch = this.deps.denials?.watch(ctx.callId, (note) => log('warning', 'weld', `denied: ${note}`)) ?? unwatch;
        }
        let out: CallOutcome;
        try {
          out = await instance.call(t.export, args, {
            callId: ctx.callId,
            signal: ctx.signal,
            env: plan.env.length ? plan.env : undefined,
          });
        } finally {
          this.#stderrTo.delete(ctx.callId);
          unwatch();
        }
        const denied = this.deps.denials?.take(ctx.callId) ?? [];
        ctx.refused?.(denied);
        ctx.attachOutput?.(out.stdout, out.stderr, out.dropped);
        const result = toToolResult(out, fn, {
          componentId: record.id,
          resultBytes: plan.limits.resultBytes,
          cpu: plan.limits.cpu,
          requestedKeys,
          providedKeys: plan.env.map(([k]) => k),
        });
        return denied.length ? { ...result, content: [...result.content, { type: 'text', text: denialText(denied) }] } : result;
      },
    };
  }
}

function loadedKey(record: ComponentRecord): string {
  return `${record.digest}\0${record.policy ?? ''}`;
}
