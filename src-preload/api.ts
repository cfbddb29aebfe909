import { z } from 'zod';

/**
 * The one contract between the engine and the renderer. The preload bridge, the Electron IPC handlers,
 * the web-mode HTTP adapter and the renderer client are all derived from this table, so adding an
 * operation is one entry here plus one handler in src-main/api.
 */

export const SignatureStatus = z.enum(['verified', 'unsigned', 'allowed-unsigned', 'local']);

export const ToolInfo = z.object({
  name: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
});

export const RequestedCapability = z.object({
  kind: z.enum(['storage', 'network', 'environment']),
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

const NoInput = z.object({}).strict();

export const api = {
  'components.list': { input: NoInput, output: z.array(ComponentInfo) },
} as const;

export type ApiName = keyof typeof api;
export type ApiInput<N extends ApiName> = z.input<(typeof api)[N]['input']>;
export type ApiOutput<N extends ApiName> = z.output<(typeof api)[N]['output']>;

/** What the renderer sees as `window.weld` (Electron) or gets from the HTTP client (web mode). */
export interface WeldApi {
  invoke<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiOutput<N>>;
}

export const isApiName = (name: unknown): name is ApiName => typeof name === 'string' && Object.hasOwn(api, name);
