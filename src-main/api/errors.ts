import { GrantError, PolicyError } from '../engine/policy/index.js';
import { RegistryError } from '../engine/registry/errors.js';
import { ComponentFileError } from '../engine/runtime/component-file.js';
import { LoadRequestError } from '../engine/runtime/load-requests.js';
import { SourceError } from '../engine/runtime/sources.js';
import { ApiError } from './context.js';

/**
 * Engine refusals carry a message written for a person; the UI shows it as is, under the contract's
 * error code. Anything else stays an internal error whose detail goes to the log only.
 */
export function asApiError(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof RegistryError) return new ApiError(err.code === 'not-found' ? 'not-found' : 'bad-input', err.message);
  if (err instanceof GrantError) {
    const code = { 'not-installed': 'not-found', 'not-found': 'not-found', 'already-decided': 'conflict' } as const;
    return new ApiError(code[err.code as keyof typeof code] ?? 'bad-input', sentence(err.message));
  }
  if (err instanceof LoadRequestError) {
    const code = { 'not-found': 'not-found', 'already-decided': 'conflict', 'bad-input': 'bad-input' } as const;
    return new ApiError(code[err.code], sentence(err.message));
  }
  if (err instanceof SourceError || err instanceof ComponentFileError) return new ApiError('bad-input', sentence(err.message));
  if (err instanceof PolicyError) return new ApiError('bad-input', `The policy file is not valid: ${err.message}.`);
  return err;
}

export async function engineCall<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asApiError(err);
  }
}

/** Engine messages are lower-case fragments (they also end up in CLI output); the UI shows sentences. */
export function sentence(message: string): string {
  const s = message.trim();
  if (!s) return s;
  return `${s[0].toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;
}
