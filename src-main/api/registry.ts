import { type ApiName, api, isApiName } from '../../src-preload/api.js';
import { auditHandlers } from './audit.js';
import { callHandlers } from './calls.js';
import { componentHandlers } from './components.js';
import { type ApiContext, ApiError, type Handler, type Handlers } from './context.js';
import { grantHandlers } from './grants.js';
import { installHandlers } from './install.js';
import { ociHandlers } from './oci.js';
import { requestHandlers } from './requests.js';
import { settingsHandlers } from './settings.js';
import { uiState } from './ui-state.js';

/** Every contract entry has exactly one handler: a missing one is a type error here. */
export const handlers: Handlers<ApiName> = {
  ...componentHandlers,
  ...callHandlers,
  ...auditHandlers,
  ...settingsHandlers,
  ...ociHandlers,
  ...installHandlers,
  ...grantHandlers,
  ...requestHandlers,
};

export type ApiDispatch = (name: unknown, input: unknown) => Promise<unknown>;

/**
 * The single entry point both transports (Electron IPC and web HTTP) call. Input is parsed by the
 * contract before a handler sees it, and output is parsed again so a handler can never leak a field the
 * contract does not promise (the renderer is untrusted).
 */
export function createApiDispatch(ctx: ApiContext): ApiDispatch {
  // Start following calls now, so a request raised by a call that started before the UI asked can name its tool.
  uiState(ctx.weld);
  return async (name, input) => {
    if (!isApiName(name)) throw new ApiError('bad-operation', `Unknown API operation "${String(name).slice(0, 100)}".`);
    const entry = api[name];
    const parsed = entry.input.safeParse(input ?? {});
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
      throw new ApiError('bad-input', `Invalid input for ${name}: ${why}`);
    }
    const handler = handlers[name] as Handler<ApiName>;
    const output = await handler(parsed.data as never, ctx);
    return entry.output.parse(output);
  };
}

/** Turns any failure into the contract's error body; unexpected errors keep their detail out of the UI. */
export function toErrorBody(err: unknown, log?: (err: unknown) => void): { error: { code: ApiError['code']; message: string } } {
  if (err instanceof ApiError) return { error: { code: err.code, message: err.message } };
  log?.(err);
  return { error: { code: 'internal', message: 'Weld could not complete this request; see the Weld log for details.' } };
}
