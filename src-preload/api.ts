import { z } from 'zod';

/**
 * The one contract between the engine and the renderer. The preload bridge, the Electron IPC handlers,
 * the web-mode HTTP adapter and the renderer client are all derived from this table, so adding an
 * operation is one entry here plus one handler in src-main/api.
 */

export const SignatureStatus = z.enum(['verified', 'unsigned', 'allowed-unsigned', 'local']);
export const CapabilityKind = z.enum(['storage', 'network', 'environment']);
export const CallStatus = z.enum(['ok', 'error', 'denied', 'invalid', 'timeout', 'cancelled']);
export const Decision = z.enum(['allowed', 'denied']);

const Id = z.string().min(1).max(256);

export const ToolInfo = z.object({
  name: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
});

export const RequestedCapability = z.object({
  kind: CapabilityKind,
  target: z.string(),
  access: z.string().optional(),
  source: z.enum(['policy', 'wit']),
});

export const ComponentInfo = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string().nullable(),
  digest: z.string(),
  sourceRef: z.string(),
  signatureStatus: SignatureStatus,
  publisher: z.string().nullable(),
  enabled: z.boolean(),
  installedAt: z.number(),
  tools: z.array(ToolInfo),
  requestedCapabilities: z.array(RequestedCapability),
});

export const CallInfo = z.object({
  id: z.string(),
  componentId: z.string().nullable(),
  tool: z.string(),
  client: z.string().nullable(),
  argsSize: z.number(),
  status: CallStatus,
  startedAt: z.number(),
  durationUs: z.number(),
  error: z.string().nullable(),
});

export const CapabilityEventInfo = z.object({
  kind: CapabilityKind,
  target: z.string(),
  access: z.string(),
  decision: Decision,
  at: z.number(),
  /** How many times the call made this same check with this outcome. */
  count: z.number().int().min(1),
});

export const CallDetail = CallInfo.extend({
  argsHash: z.string(),
  /** The first text of the result, bounded by the engine. */
  output: z.string().nullable(),
  /** The arguments as JSON, bounded, with secret fields and granted environment values masked. */
  args: z.string().nullable(),
  capabilityEvents: z.array(CapabilityEventInfo),
});

export const AuditInfo = z.object({
  seq: z.number(),
  at: z.number(),
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  detail: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

export const AuditVerdict = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), rows: z.number(), anchoredAt: z.number().nullable() }),
  z.object({ ok: z.literal(false), rows: z.number(), seq: z.number(), reason: z.string() }),
]);

export const Settings = z.object({
  version: z.string(),
  dataDir: z.string(),
  /** The MCP Unix socket (or Windows pipe), when this process serves one. */
  socketPath: z.string().nullable(),
  /** The MCP endpoint over localhost HTTP, when this process serves one. */
  httpUrl: z.string().nullable(),
  /** How this UI is reached: inside the desktop app or as a token-protected web page. */
  shell: z.enum(['electron', 'web']),
  /** A ready-to-paste `mcpServers` entry for clients that spawn their server (Claude Desktop and others). */
  clientConfig: z.string(),
  /** Days of tool calls kept in the call log; null keeps them forever. The audit log is never trimmed. */
  callHistoryDays: z.number().int().nullable(),
  /** MCP client names (their `clientInfo.name`) that may ask the person for a permission through elicitation. */
  promptClients: z.array(z.string()),
  /** Folders from which an MCP client may add a new component without asking (real paths). */
  componentSources: z.array(z.string()),
});

/** A client name as the client reports it; mirrors MAX_CLIENT_NAME in engine/mcp/prompt-clients.ts. */
export const ClientName = z
  .string()
  .trim()
  .min(1, 'type the client name')
  .max(100)
  .regex(/^[^\p{Cc}]+$/u, 'a client name has no control characters');

/** 1 to 3650 days (ten years), or null for forever: mirrors MAX_CALL_HISTORY_DAYS in the store. */
export const CallHistoryDays = z.number().int().min(1).max(3650).nullable();

/** One entry of a component catalog (Wassette's component-registry.json format). */
export const CatalogEntry = z.object({ name: z.string(), description: z.string(), uri: z.string() });

/** Who made a signature: a bare key (by fingerprint) or a keyless identity (certificate subject + OIDC issuer). */
export const Signer = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('key'), fingerprint: z.string() }),
  z.object({ kind: z.literal('identity'), issuer: z.string(), subject: z.string() }),
]);

const PublicKeyPem = z
  .string()
  .trim()
  .min(1, 'paste or choose the public key')
  .max(16_384, 'a public key is much shorter than this');

/** A signer the person trusts for one install only: nothing is written to the trust policy. */
export const TrustOnce = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('key'), publicKeyPem: PublicKeyPem }).strict(),
  z.object({ kind: z.literal('identity'), issuer: z.string().url().max(1024), subject: z.string().min(1).max(1024) }).strict(),
]);

/** A name for a trusted publisher: mirrors the trust file's rule. */
export const TrustName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'use letters, digits and . _ @ - (up to 64), starting with a letter or digit');

export const TrustPolicyInfo = z.object({
  keys: z.array(z.object({ name: z.string(), fingerprint: z.string() })),
  identities: z.array(z.object({ name: z.string(), issuer: z.string(), subject: z.string() })),
  /** Keyless signatures can only be checked against a Sigstore trusted root. */
  hasTrustedRoot: z.boolean(),
});

/** What the install prompt shows about an `oci://` reference before anything is downloaded. */
export const OciInspection = z.object({
  reference: z.string(),
  pinned: z.string(),
  digest: z.string(),
  size: z.number(),
  hasPolicy: z.boolean(),
  exports: z.array(z.string()),
  imports: z.array(z.string()),
  signature: z.object({
    verified: z.boolean(),
    publisher: z.string().nullable(),
    reason: z.string(),
    /** Who signed, also when they are not trusted yet; null when unsigned. */
    signer: Signer.nullable(),
  }),
});

/** A dropped or picked .wasm travels as base64 in web mode: bounded so one request cannot exhaust memory. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
const MAX_UPLOAD_BASE64 = Math.ceil(MAX_UPLOAD_BYTES / 3) * 4;
const MAX_POLICY_CHARS = 256 * 1024;
const PolicyText = z.string().max(MAX_POLICY_CHARS, 'the policy file is larger than 256 KiB');

/** Where a component to install comes from: a reference the person typed or picked, or a file's bytes. */
export const InstallSourceInput = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('ref'),
      /** `oci://host/repo[:tag|@sha256:…]`, a local path or `file://…`. */
      ref: z.string().trim().min(1).max(4096),
      policyYaml: PolicyText.optional(),
      /** Install an OCI component whose signature is missing or untrusted (a person chose to; audited). */
      allowUnsigned: z.boolean().optional(),
      /** Trust this signer for this install only (a person chose to; audited at install). */
      trustOnce: TrustOnce.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('upload'),
      fileName: z
        .string()
        .min(1)
        .max(255)
        .regex(/^[^/\\\0]+$/, 'a file name, not a path'),
      wasmBase64: z
        .string()
        .min(1)
        .max(MAX_UPLOAD_BASE64, `the component is larger than ${MAX_UPLOAD_BYTES / 2 ** 20} MiB`)
        .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'arrived damaged (not base64); choose it again'),
      policyYaml: PolicyText.optional(),
    })
    .strict(),
]);

/** Everything the install prompt shows, read from the component before anything is installed. */
export const InstallPreview = z.object({
  /** Names the analysed bytes: install uses exactly what the person saw, not a second download. */
  previewId: z.string(),
  /** The id it will be installed under. */
  id: z.string(),
  name: z.string(),
  version: z.string().nullable(),
  sourceRef: z.string(),
  digest: z.string(),
  size: z.number(),
  signatureStatus: SignatureStatus,
  publisher: z.string().nullable(),
  hasPolicy: z.boolean(),
  tools: z.array(ToolInfo),
  requestedCapabilities: z.array(RequestedCapability),
  /** Same bytes already installed (under this id): installing changes nothing. */
  alreadyInstalledAs: z.string().nullable(),
  /** Another version is installed under the same id and would be replaced. */
  replacesDigest: z.string().nullable(),
});

export const GrantScope = z.enum(['once', 'session', 'always']);

export const GrantInfo = z.object({
  id: z.string(),
  kind: CapabilityKind,
  target: z.string(),
  access: z.string(),
  scope: GrantScope,
  decidedBy: z.string(),
  decidedAt: z.number(),
  expiresAt: z.number().nullable(),
});

/** A capability as a person approves it: the requested one, or with the folder they chose instead. */
export const ApprovedCapability = z
  .object({
    kind: CapabilityKind,
    target: z.string().trim().min(1).max(1024),
    access: z.enum(['read', 'write', 'read,write']).optional(),
  })
  .strict();

export const RequestAnswer = z.enum(['once', 'session', 'always', 'deny']);

/** A just-in-time capability request waiting for a person. */
export const CapabilityRequestInfo = z.object({
  id: z.string(),
  componentId: z.string(),
  callId: z.string().nullable(),
  /** The tool whose call is held, when this process saw the call start. */
  tool: z.string().nullable(),
  client: z.string().nullable(),
  /** The held call's arguments (bounded, secrets masked), when the process holding it named them. */
  args: z.string().nullable(),
  kind: CapabilityKind,
  target: z.string(),
  access: z.string(),
  /** runtime: a running call touched it and waits; mcp: asked for through a management tool. */
  origin: z.enum(['runtime', 'mcp']),
  requestedBy: z.string(),
  requestedAt: z.number(),
  expiresAt: z.number(),
});

const NoInput = z.object({}).strict();
const Search = z.string().max(200).optional();
const Limit = z.number().int().min(1).max(5000).optional();

export const api = {
  'components.list': { input: NoInput, output: z.array(ComponentInfo) },
  'components.setEnabled': { input: z.object({ id: Id, enabled: z.boolean() }).strict(), output: ComponentInfo },
  'components.remove': { input: z.object({ id: Id }).strict(), output: z.object({ removed: z.literal(true) }) },
  'components.analyze': {
    input: z.object({ source: InstallSourceInput }).strict(),
    output: InstallPreview,
    /** Web mode reads a body this large for this operation only. */
    maxBodyBytes: MAX_UPLOAD_BASE64 + MAX_POLICY_CHARS * 6 + 4096,
  },
  'components.install': {
    input: z
      .object({
        previewId: z.string().min(1).max(64),
        /** The capabilities the person left switched on; each becomes an always grant. */
        approve: z.array(ApprovedCapability).max(100),
      })
      .strict(),
    output: z.object({ component: ComponentInfo, unchanged: z.boolean(), granted: z.array(GrantInfo) }),
  },
  'grants.list': {
    input: z.object({ componentId: Id }).strict(),
    output: z.object({
      grants: z.array(GrantInfo),
      /** Grants given to code that is no longer installed under this id: they apply once re-approved. */
      suspended: z.array(GrantInfo),
      requested: z.array(RequestedCapability.extend({ granted: z.boolean() })),
    }),
  },
  'grants.reapprove': {
    input: z.object({ componentId: Id }).strict(),
    output: z.object({ reapproved: z.number() }),
  },
  'grants.add': {
    input: z
      .object({ componentId: Id, capability: ApprovedCapability, scope: z.enum(['session', 'always']).optional() })
      .strict(),
    output: GrantInfo,
  },
  'grants.revoke': {
    input: z.object({ componentId: Id, kind: CapabilityKind, target: z.string().min(1).max(1024) }).strict(),
    output: z.object({ removed: z.number(), narrowed: z.number() }),
  },
  'requests.list': { input: NoInput, output: z.array(CapabilityRequestInfo) },
  /** Components MCP clients asked to load; nothing is installed until the person allows it. */
  'loads.list': {
    input: NoInput,
    output: z.array(
      z.object({
        id: z.string(),
        ref: z.string(),
        componentId: z.string(),
        replaces: z.string().nullable(),
        requestedBy: z.string(),
        requestedAt: z.number(),
        expiresAt: z.number(),
      }),
    ),
  },
  'loads.decide': {
    input: z.object({ requestId: z.string().min(1).max(64), answer: z.enum(['allow', 'deny']) }).strict(),
    output: z.object({ id: z.string(), status: z.enum(['allowed', 'denied', 'failed']), componentId: z.string() }),
  },
  'requests.decide': {
    input: z.object({ requestId: z.string().min(1).max(64), answer: RequestAnswer }).strict(),
    output: z.object({ id: z.string(), status: z.enum(['pending', 'allowed', 'denied', 'expired']) }),
  },
  'calls.list': {
    input: z.object({ tool: z.string().max(128).optional(), status: CallStatus.optional(), text: Search, limit: Limit }).strict(),
    output: z.array(CallInfo),
  },
  'calls.get': { input: z.object({ id: Id }).strict(), output: CallDetail },
  'audit.list': {
    input: z
      .object({
        text: Search,
        action: z.string().max(128).optional(),
        /** Entries about exactly this component (or setting, or publisher). */
        subject: z.string().max(256).optional(),
        beforeSeq: z.number().int().min(1).optional(),
        limit: Limit,
      })
      .strict(),
    output: z.array(AuditInfo),
  },
  'audit.verify': { input: NoInput, output: AuditVerdict },
  'audit.export': { input: NoInput, output: z.object({ filename: z.string(), rows: z.number(), jsonl: z.string() }) },
  'settings.get': { input: NoInput, output: Settings },
  /** Sets how long calls are kept and removes the calls that are now older. */
  'settings.setCallHistory': {
    input: z.object({ days: CallHistoryDays }).strict(),
    output: z.object({ days: CallHistoryDays, removed: z.number().int() }),
  },
  /** Lets an MCP client ask the person for permissions through elicitation (trusted: true), or stops it. */
  'settings.setPromptClient': {
    input: z.object({ name: ClientName, trusted: z.boolean() }).strict(),
    output: z.object({ promptClients: z.array(z.string()) }),
  },
  /** Marks a folder as a component source (trusted: true), or unmarks it. */
  'settings.setComponentSource': {
    input: z.object({ folder: z.string().min(1).max(4096), trusted: z.boolean() }).strict(),
    output: z.object({ componentSources: z.array(z.string()) }),
  },
  'catalog.search': { input: z.object({ query: z.string().min(1).max(200) }).strict(), output: z.array(CatalogEntry) },
  'registry.inspect': {
    input: z.object({ ref: z.string().min(1).max(1024), trustOnce: TrustOnce.optional() }).strict(),
    output: OciInspection,
  },
  'trust.list': { input: NoInput, output: TrustPolicyInfo },
  /** The fingerprint of a public key, so the person can see it is the key that signed before trusting it. */
  'trust.checkKey': { input: z.object({ publicKeyPem: PublicKeyPem }).strict(), output: z.object({ fingerprint: z.string() }) },
  'trust.addKey': {
    input: z.object({ name: TrustName, publicKeyPem: PublicKeyPem }).strict(),
    output: z.object({ name: z.string(), fingerprint: z.string() }),
  },
  'trust.addIdentity': {
    input: z
      .object({
        name: TrustName,
        issuer: z.string().trim().url('the issuer is a URL, like https://accounts.google.com').max(1024),
        subject: z.string().trim().min(1).max(1024),
      })
      .strict(),
    output: z.object({ name: z.string(), issuer: z.string(), subject: z.string() }),
  },
  'trust.remove': {
    input: z.object({ name: z.string().min(1).max(64) }).strict(),
    output: z.object({ name: z.string(), kind: z.enum(['key', 'identity']) }),
  },
} as const;

export type ApiName = keyof typeof api;
export type ApiInput<N extends ApiName> = z.input<(typeof api)[N]['input']>;
export type ApiOutput<N extends ApiName> = z.output<(typeof api)[N]['output']>;

export const isApiName = (name: unknown): name is ApiName => typeof name === 'string' && Object.hasOwn(api, name);

/** The largest request body web mode reads for an operation (uploads are larger than everything else). */
export function maxBodyBytes(name: ApiName, fallback: number): number {
  const entry = api[name];
  return 'maxBodyBytes' in entry ? entry.maxBodyBytes : fallback;
}

/** The closed list of events the UI can receive: src-main/engine/events.ts plus the desktop shell's own. */
export const apiEvents = {
  'call.started': z.object({
    callId: z.string(),
    tool: z.string(),
    componentId: z.string().nullable(),
    client: z.string().nullable(),
    at: z.number(),
  }),
  'call.finished': z.object({
    callId: z.string(),
    tool: z.string(),
    componentId: z.string().nullable(),
    client: z.string().nullable(),
    status: CallStatus,
    durationUs: z.number(),
    error: z.string().nullable(),
  }),
  'capability.requested': z.object({
    requestId: z.string(),
    callId: z.string().nullable(),
    componentId: z.string(),
    kind: CapabilityKind,
    target: z.string(),
    access: z.string(),
  }),
  'capability.decided': z.object({
    requestId: z.string().nullable(),
    callId: z.string().nullable(),
    componentId: z.string(),
    kind: CapabilityKind,
    target: z.string(),
    decision: Decision,
    by: z.string(),
  }),
  'components.changed': z.object({
    componentId: z.string(),
    change: z.enum(['installed', 'removed', 'updated', 'enabled', 'disabled']),
  }),
  'grants.changed': z.object({ componentId: z.string() }),
  'loads.changed': z.object({ requestId: z.string() }),
  /** From the desktop shell, not the engine: a `weld://install?ref=…` link was opened. Never installs by itself. */
  'ui.install': z.object({ ref: z.string() }),
  /** From the desktop shell: show a page (a notification about a request was clicked). */
  'ui.show': z.object({ page: z.enum(['requests']) }),
} as const;

export type ApiEventName = keyof typeof apiEvents;
export type ApiEventPayload<N extends ApiEventName> = z.output<(typeof apiEvents)[N]>;
export type ApiEvent = { [N in ApiEventName]: { name: N; payload: ApiEventPayload<N> } }[ApiEventName];
export const API_EVENT_NAMES = Object.keys(apiEvents) as ApiEventName[];
/** Events the desktop shell makes itself; every other one comes from the engine's bus. */
export const SHELL_EVENT_NAMES = ['ui.install', 'ui.show'] as const satisfies readonly ApiEventName[];
export type EngineEventName = Exclude<ApiEventName, (typeof SHELL_EVENT_NAMES)[number]>;
export const ENGINE_EVENT_NAMES = API_EVENT_NAMES.filter(
  (n): n is EngineEventName => !(SHELL_EVENT_NAMES as readonly string[]).includes(n),
);

export const isApiEventName = (name: unknown): name is ApiEventName => typeof name === 'string' && Object.hasOwn(apiEvents, name);

/** Parses an event from an untrusted channel (IPC message, SSE frame); null when it is not in the closed list. */
export function parseApiEvent(name: unknown, payload: unknown): ApiEvent | null {
  if (!isApiEventName(name)) return null;
  const parsed = apiEvents[name].safeParse(payload);
  return parsed.success ? ({ name, payload: parsed.data } as ApiEvent) : null;
}

/** Errors every transport reports the same way, so the renderer can tell bad input from a missing row. */
export const ApiErrorCode = z.enum(['bad-operation', 'bad-input', 'not-found', 'conflict', 'unauthorized', 'internal']);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;
export const ApiErrorBody = z.object({ error: z.object({ code: ApiErrorCode, message: z.string() }) });

/** What the renderer sees as `window.weld` (Electron) or gets from the HTTP client (web mode). */
export interface WeldApi {
  invoke<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiOutput<N>>;
  /** Subscribes to engine events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
}
