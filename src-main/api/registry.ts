import type { z } from 'zod';
import { type ApiName, api, isApiName } from '../../src-preload/api.js';
import { auditHandlers } from './audit.js';
import { callHandlers } from './calls.js';
import { componentHandlers } from './components.js';
import { type ApiContext, ApiError, type Handler, type Handlers } from './context.js';
import { grantHandlers } from './grants.js';
import { installHandlers } from './install.js';
import { loadHandlers } from './loads.js';
import { ociHandlers } from './oci.js';
import { requestHandlers } from './requests.js';
import { settingsHandlers } from './settings.js';
import { trustHandlers } from './trust.js';
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
  ...trustHandlers,
  ...loadHandlers,
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
    if (!parsed.success) throw new ApiError('bad-input', plainIssues(parsed.error.issues));
    const handler = handlers[name] as Handler<ApiName>;
    const output = await handler(parsed.data as never, ctx);
    return entry.output.parse(output);
  };
}

/** Contract field names that do not read as words on their own. */
const FIELD_WORDS: Record<string, string> = {
  wasmBase64: 'the component file',
  policyYaml: 'the policy file',
  publicKeyPem: 'the public key',
  ref: 'the reference',
  fileName: 'the file name',
};

/**
 * What was wrong with the input, in words a person can act on: the field's name and what it needs,
 * instead of the validator's own phrasing and the operation's internal name.
 */
export function plainIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 3).map((i) => {
    const key = String(i.path.at(-1) ?? 'input');
    const field = FIELD_WORDS[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    const f = field.charAt(0).toUpperCase() + field.slice(1);
    switch (i.code) {
      case 'too_big':
        return `${f} is too long (at most ${i.maximum}${i.origin === 'string' ? ' characters' : ''})`;
      case 'too_small':
        return Number(i.minimum) <= 1 && i.origin === 'string' ? `${f} is empty` : `${f} is too short`;
      case 'invalid_type':
        return /received undefined/.test(i.message) ? `${f} is missing` : `${f} has the wrong type`;
      case 'unrecognized_keys':
        return `Unexpected fields: ${i.keys.join(', ')}`;
      default:
        // Custom messages in the contract are already written for a person.
        return /^(Invalid|Too )/.test(i.message) ? `${f} is not valid` : `${f}: ${i.message}`;
    }
  });
  return `${parts.join('. ')}.`;
}

/** Turns any failure into the contract's error body; unexpected errors keep their detail out of the UI. */
export function toErrorBody(err: unknown, log?: (err: unknown) => void): { error: { code: ApiError['code']; message: string } } {
  if (err instanceof ApiError) return { error: { code: err.code, message: err.message } };
  log?.(err);
  return { error: { code: 'internal', message: 'Weld could not complete this request; see the Weld log for details.' } };
}
