import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type WeldPaths, weldPaths } from './config.js';
import { EventBus } from './events.js';
import { createLogger, type Logger } from './log.js';
import { builtinTools } from './mcp/builtin-tools.js';
import { createDispatcher, type Dispatcher } from './mcp/dispatch.js';
import { permissionTools } from './mcp/permission-tools.js';
import { registryTools } from './mcp/registry-tools.js';
import { createMcpServer } from './mcp/server.js';
import { ToolTable } from './mcp/tool-table.js';
import { createPolicyEngine, type PolicyEngine, type SecretCipher, SecretStore } from './policy/index.js';
import { type CatalogEntry, catalogSources, searchCatalogs } from './registry/catalog.js';
import type { Registry } from './registry/index.js';
import { openStore, type Store } from './store/index.js';
import { Metrics, OtlpExporter, otlpConfigFromEnv } from './telemetry/index.js';
import { WELD_VERSION } from './version.js';

export interface WeldOptions {
  home: string;
  logger?: Logger;
  /** Environment the engine may read on a tool's behalf (only for granted keys). */
  env?: Record<string, string | undefined>;
  /** Seals secret values; default: AES-256-GCM with a key file in the data dir (see policy/secrets.ts). */
  secretCipher?: SecretCipher;
}

export interface Weld {
  readonly paths: WeldPaths;
  readonly version: string;
  readonly logger: Logger;
  readonly events: EventBus;
  readonly store: Store;
  readonly tools: ToolTable;
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  /** Grants, capability checks, just-in-time requests and secrets. */
  readonly policy: PolicyEngine;
  /** OCI pull/verify/publish, loaded on first use so serving installed tools never loads sigstore. */
  registry(): Promise<Registry>;
  /** Catalog search (WELD_CATALOG, else <data dir>/catalog.json and the bundled catalog). */
  searchComponents(query: string): CatalogEntry[];
  /** A fresh MCP server for one client connection. */
  createMcpServer(): ReturnType<typeof createMcpServer>;
  stop(): Promise<void>;
}

/** Composition root: the only place that knows how the engine's parts fit together. */
export async function createWeld(opts: WeldOptions): Promise<Weld> {
  const paths = weldPaths(opts.home);
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const logger = opts.logger ?? createLogger();
  const store = openStore(paths.db, { onError: (err) => logger.error('store write failed; will retry', { err: String(err) }) });
  const events = new EventBus();
  const tools = new ToolTable();
  const dispatcher = createDispatcher({ tools, events, recorder: store.recorder });

  const policy = createPolicyEngine({
    store,
    events,
    dataDir: paths.home,
    userHome: opts.env?.HOME || homedir(),
    env: opts.env ?? {},
    logger,
    secrets: opts.secretCipher && new SecretStore(join(paths.home, 'secrets'), opts.secretCipher),
  });
  tools.add(builtinTools({ components: store.components }));
  tools.add(permissionTools({ policy }));
  const searchComponents = (query: string) =>
    searchCatalogs(catalogSources(paths.home, opts.env?.WELD_CATALOG || undefined), query);
  tools.add(registryTools({ searchComponents }));
  let registry: Promise<Registry> | undefined;

  const metrics = new Metrics(events);
  const otlp = otlpConfigFromEnv(opts.env ?? {});
  const exporter =
    otlp &&
    new OtlpExporter(otlp, events, {
      metrics,
      logger,
      serviceVersion: WELD_VERSION,
      digestOf: (id) => store.components.get(id)?.digest,
    });

  let stopped = false;
  return {
    paths,
    version: WELD_VERSION,
    logger,
    events,
    store,
    tools,
    dispatcher,
    metrics,
    policy,
    searchComponents,
    registry: () => {
      registry ??= import('./registry/index.js').then((m) => m.createRegistry({ home: paths.home, env: opts.env }));
      return registry;
    },
    createMcpServer: () => createMcpServer({ tools, dispatcher, version: WELD_VERSION }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await exporter?.close();
      policy.close();
      store.close();
    },
  };
}
