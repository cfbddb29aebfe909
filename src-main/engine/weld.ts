import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type WeldPaths, weldPaths } from './config.js';
import { EventBus } from './events.js';
import { createLogger, type Logger } from './log.js';
import { argsPreview } from './mcp/args-preview.js';
import { builtinTools } from './mcp/builtin-tools.js';
import { CallerPrompts } from './mcp/caller-prompts.js';
import { componentTools } from './mcp/component-tools.js';
import { createDispatcher, type Dispatcher } from './mcp/dispatch.js';
import { permissionTools } from './mcp/permission-tools.js';
import { registryTools } from './mcp/registry-tools.js';
import type { McpServer } from './mcp/server.js';
import { ToolTable } from './mcp/tool-table.js';
import { createPolicyEngine, type PolicyEngine, type SecretCipher, SecretStore, type Verdict } from './policy/index.js';
import { annotationsFor } from './policy/tool-annotations.js';
import { type CatalogEntry, catalogSources, searchCatalogs } from './registry/catalog.js';
import type { Registry } from './registry/index.js';
import { CallDenials } from './runtime/call-denials.js';
import { componentLimitFromEnv } from './runtime/component-file.js';
import { ComponentRuntime } from './runtime/component-runtime.js';
import { componentSources, fileInComponentSource } from './runtime/component-sources.js';
import { hostCallRouter } from './runtime/host-calls.js';
import { createHttpGateway } from './runtime/http-gateway.js';
import {
  auditRefusedInstall,
  componentIdFrom,
  type InstallResult,
  type InstallSource,
  installComponent,
  removeComponent,
} from './runtime/install.js';
import { createLoadRequests, type LoadRequests } from './runtime/load-requests.js';
import type { CapabilityAnswer, SandboxPlan } from './runtime/sandbox.js';
import { resolveSource, type SourceOptions } from './runtime/sources.js';
import { createRequestStore } from './store/capability-requests.js';
import { watchDbChanges } from './store/change-watch.js';
import type { ComponentRecord } from './store/components.js';
import { openStore, type Store, SYNC_LEVELS, type SyncLevel } from './store/index.js';
import { StoreReader } from './store/reader.js';
import { pruneCallHistory } from './store/retention.js';
import { Metrics, OtlpExporter, otlpConfigFromEnv } from './telemetry/index.js';
import { WELD_VERSION } from './version.js';

const PRUNE_AFTER_START_MS = 30_000;
const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000;

export interface WeldOptions {
  home: string;
  logger?: Logger;
  /** Environment the engine may read on a tool's behalf (only for granted keys). */
  env?: Record<string, string | undefined>;
  /** Limits for components installed without a policy (tests use short timeouts). */
  defaultLimits?: Partial<SandboxPlan['limits']>;
  /** Seals secret values; default: AES-256-GCM with a key file in the data dir (see policy/secrets.ts). */
  secretCipher?: SecretCipher;
  /**
   * Start every installed component's worker as soon as the runtime knows them, while the rest of the
   * engine (the MCP SDK) loads: a server's first call then finds its tool warm. Off for commands that
   * may never call a tool.
   */
  prewarm?: boolean;
  /** How long a held call waits for a person (default 60 s). */
  requestTimeoutMs?: number;
}

export interface Weld {
  readonly paths: WeldPaths;
  readonly version: string;
  readonly logger: Logger;
  readonly events: EventBus;
  readonly store: Store;
  /** The UI's whole-log reads (search, chain check, export), on a thread of their own. */
  readonly reader: StoreReader;
  readonly tools: ToolTable;
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  /** Grants, capability checks, just-in-time requests and secrets. */
  readonly policy: PolicyEngine;
  readonly runtime: ComponentRuntime;
  /** Installs (or updates) a component; grants nothing by itself. */
  /** With an explicit `id`, code already installed under another id is refused (and audited). */
  install(src: InstallSource, opts?: { id?: string; actor?: string }): Promise<InstallResult>;
  remove(componentId: string, actor?: string): ComponentRecord;
  /** Components MCP clients asked to load, waiting for a person. */
  readonly loads: LoadRequests;
  /** OCI pull/verify/publish, loaded on first use so serving installed tools never loads sigstore. */
  registry(): Promise<Registry>;
  /** A path, file:// or oci:// reference as component bytes, within WELD_MAX_COMPONENT_MB. */
  source(ref: string, opts?: Omit<SourceOptions, 'registry' | 'maxFileBytes'>): Promise<InstallSource>;
  /** Catalog search (WELD_CATALOG, else <data dir>/catalog.json and the bundled catalog). */
  searchComponents(query: string): CatalogEntry[];
  /** A fresh MCP server for one client connection. */
  createMcpServer(): McpServer;
  stop(): Promise<void>;
}

/** A policy verdict as the guest's host sees it: a denial says how a person could allow it. */
function answerOf(v: Verdict): CapabilityAnswer {
  if (v.decision === 'allowed') return { decision: 'allowed' };
  if (v.decision === 'denied') return { decision: 'denied', reason: `${v.reason}. To allow it: ${v.grantCommand}` };
  return { decision: 'denied', reason: 'no decision was made' };
}

/** WELD_DB_SYNCHRONOUS: `normal` (default) or `full`; see SYNC_LEVELS in store/db.ts. */
function syncLevel(value: string | undefined): SyncLevel {
  if (!value) return 'normal';
  const level = value.toLowerCase();
  if ((SYNC_LEVELS as readonly string[]).includes(level)) return level as SyncLevel;
  throw new Error(`WELD_DB_SYNCHRONOUS must be one of ${SYNC_LEVELS.join(', ')} (got "${value}")`);
}

/** Composition root: the only place that knows how the engine's parts fit together. */
export async function createWeld(opts: WeldOptions): Promise<Weld> {
  const paths = weldPaths(opts.home);
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const logger = opts.logger ?? createLogger();
  const store = openStore(paths.db, {
    synchronous: syncLevel(opts.env?.WELD_DB_SYNCHRONOUS),
    onError: (err) => logger.error('store write failed; will retry', { err: String(err) }),
  });
  const events = new EventBus();
  events.holdUntilRecorded(['call.finished', 'capability.decided', 'components.changed'], (deliver) =>
    store.recorder.afterCommit(deliver),
  );
  const tools = new ToolTable();
  // The client that made a held call is asked too when the person trusted it to (elicitation).
  const callers = new CallerPrompts({ store, logger, policy: () => policy });
  const dispatcher = createDispatcher({ tools, events, recorder: store.recorder, callers });
  // A request raised by a call this process runs names that call in its row, so a window in any Weld
  // process can show the tool, its arguments and the client that waits (events fire right after the insert).
  const requestRows = createRequestStore(store.db);
  events.on('capability.requested', ({ requestId, callId }) => {
    const call = callId ? dispatcher.running(callId) : undefined;
    if (!call) return;
    try {
      requestRows.describeCall(requestId, { tool: call.tool, client: call.client, args: argsPreview(call.args) });
    } catch (err) {
      logger.warn('could not name the call a request holds', { requestId, err: String(err) });
    }
  });

  const policy: PolicyEngine = createPolicyEngine({
    store,
    events,
    dataDir: paths.home,
    userHome: opts.env?.HOME || homedir(),
    env: opts.env ?? {},
    logger,
    prompt: callers,
    requestTimeoutMs: opts.requestTimeoutMs,
    secrets: opts.secretCipher && new SecretStore(join(paths.home, 'secrets'), opts.secretCipher),
  });
  let registryPromise: Promise<Registry> | undefined;
  const registry = () => {
    registryPromise ??= import('./registry/index.js').then((m) => m.createRegistry({ home: paths.home, env: opts.env }));
    return registryPromise;
  };
  const denials = new CallDenials();
  const onHostCall = hostCallRouter({
    recorder: store.recorder,
    events,
    denials,
    request: async (componentId, callId, r) => {
      // A checkEach mount sends every path: the grants answer first; a person is asked only where none does.
      if (r.kind === 'storage' && (r.access === 'read' || r.access === 'write')) {
        const verdict = policy.checker(componentId, callId).storage(r.target.replace(/^fs:\/\//, ''), r.access);
        if (verdict.decision !== 'ask') return answerOf(verdict);
      }
      // A person deciding is not the guest working: a held request does not count against the call timeout.
      return answerOf(await runtime.hold(componentId, policy.request({ componentId, callId, ...r })));
    },
    http: (componentId, callId, r) =>
      createHttpGateway({
        check: async (url, resolvedIp) => {
          let verdict = policy.checker(componentId, callId).network(url, resolvedIp);
          if (verdict.decision === 'ask') {
            verdict = await runtime.hold(
              componentId,
              policy.request({ componentId, callId, kind: 'network', target: resolvedIp ?? url.host, access: '' }),
            );
          }
          const answer = answerOf(verdict);
          store.recorder.capability({
            callId,
            componentId,
            kind: 'network',
            target: resolvedIp ? `${url.origin} (${resolvedIp})` : url.origin,
            access: r.method,
            decision: answer.decision,
            at: Date.now(),
          });
          if (answer.decision === 'allowed') return 'allowed';
          denials.add(callId, answer.reason);
          return { denied: answer.reason };
        },
      })(r),
  });
  const runtime = new ComponentRuntime({
    cacheRoot: paths.cache,
    components: store.components,
    tools,
    events,
    logger,
    plan: (id) => {
      const plan = policy.plan(id);
      return opts.defaultLimits && !store.components.get(id)?.policy
        ? { ...plan, limits: { ...plan.limits, ...opts.defaultLimits } }
        : plan;
    },
    onHostCall,
    denials,
    annotations: (id) => {
      try {
        return annotationsFor(policy.grants(id));
      } catch {
        // Removed by another process a moment ago: its tools go at the next reconcile; a hint is not
        // worth failing tools/list for.
        return {};
      }
    },
  });
  const installDeps = { cacheRoot: paths.cache, components: store.components, tools, runtime, events, recorder: store.recorder };
  const install = async (src: InstallSource, o: { id?: string; actor: string; newOnly?: boolean }) => {
    try {
      return await installComponent(installDeps, src, o);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      auditRefusedInstall(store.recorder, { actor: o.actor, id: o.id, source: src.sourceRef, name: src.name, reason });
      throw err;
    }
  };

  tools.add(builtinTools({ components: store.components }));
  tools.add(permissionTools({ policy }));
  const searchComponents = (query: string) =>
    searchCatalogs(catalogSources(paths.home, opts.env?.WELD_CATALOG || undefined), query);
  tools.add(registryTools({ searchComponents }));
  const maxFileBytes = componentLimitFromEnv(opts.env ?? {});
  const source = (ref: string, o: Omit<SourceOptions, 'registry' | 'maxFileBytes'> = {}) =>
    resolveSource(ref, { ...o, registry, maxFileBytes });
  const loads = createLoadRequests({
    store,
    events,
    install: async (ref, actor) => install(await source(ref), { actor }),
  });
  tools.add(
    componentTools({
      async load(ref, client) {
        const by = client ? `mcp:${client}` : 'mcp';
        const file = typeof ref === 'string' ? fileInComponentSource(componentSources(store), ref) : null;
        if (file && !store.components.get(componentIdFrom(basename(file)))) {
          const src = await source(pathToFileURL(file).href);
          return { installed: await install(src, { actor: by, newOnly: true }) };
        }
        return loads.request(ref, by);
      },
      unload: (id) => removeComponent(installDeps, id, 'mcp'),
    }),
  );
  runtime.loadInstalled();
  // Workers first, then the MCP SDK, the largest part of the engine: a compile ends on the main thread,
  // which evaluating the SDK (with ajv) would hold for ~50 ms, while a started worker boots on its own
  // thread. Measured: the worker then starts ~40 ms sooner than with both at once.
  if (opts.prewarm) await runtime.prewarm();
  // New grants take effect in the component's next instance (its preopens and environment are fixed
  // when it starts). The tool list is announced again: its annotations follow the grants.
  events.on('grants.changed', ({ componentId }) => {
    void runtime.restart(componentId);
    // Only for tools already listed: a component another process installs announces itself when it loads.
    if (tools.list().some((t) => t.componentId === componentId)) tools.announceChange();
  });

  const metrics = new Metrics(events, () => store.recorder.stats);
  const otlp = otlpConfigFromEnv(opts.env ?? {});
  const exporter =
    otlp &&
    new OtlpExporter(otlp, events, {
      metrics,
      logger,
      serviceVersion: WELD_VERSION,
      digestOf: (id) => store.components.get(id)?.digest,
    });

  // Another process (the CLI, the tray app) may install, remove or grant while this engine runs: SQLite's
  // data_version changes only on other connections' commits, so checking it costs one pragma. A commit
  // is noticed through the database-change watch at once; the poll each second is the fallback.
  let dataVersion = store.db.pragma('data_version', { simple: true });
  const reconcile = () => {
    const now = store.db.pragma('data_version', { simple: true });
    if (now === dataVersion) return;
    dataVersion = now;
    for (const id of runtime.reconcile()) events.emit('components.changed', { componentId: id, change: 'updated' });
  };
  const unwatch = watchDbChanges(paths.db, reconcile);
  const watch = setInterval(reconcile, 1000);
  watch.unref();

  // Calls older than the retention go a while after start (CLI commands are over by then) and daily.
  const pruning = new AbortController();
  let prune: Promise<void> = Promise.resolve();
  const runPrune = () => {
    prune = pruneCallHistory(store, { signal: pruning.signal }).then(
      (r) => {
        if (r.calls + r.events > 0) logger.info('removed calls older than the call history setting', { ...r });
      },
      (err) => logger.warn('could not remove old calls', { err: String(err) }),
    );
  };
  const firstPrune = setTimeout(runPrune, PRUNE_AFTER_START_MS).unref();
  const dailyPrune = setInterval(runPrune, PRUNE_EVERY_MS).unref();

  const reader = new StoreReader(paths.db);
  const { createMcpServer } = await import('./mcp/server.js');
  let stopped = false;
  return {
    paths,
    version: WELD_VERSION,
    logger,
    events,
    store,
    reader,
    tools,
    dispatcher,
    metrics,
    policy,
    runtime,
    install: (src, o = {}) => install(src, { id: o.id, actor: o.actor ?? 'user' }),
    remove: (id, actor = 'user') => removeComponent(installDeps, id, actor),
    loads,
    searchComponents,
    registry,
    source,
    createMcpServer: () => createMcpServer({ tools, dispatcher, version: WELD_VERSION }),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(watch);
      unwatch();
      clearTimeout(firstPrune);
      clearInterval(dailyPrune);
      pruning.abort();
      await prune;
      await reader.close();
      await runtime.stop();
      await exporter?.close();
      policy.close();
      store.close();
    },
  };
}
