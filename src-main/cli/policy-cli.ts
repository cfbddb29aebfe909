import type { CapabilityKind } from '../engine/events.js';
import { GrantError, PolicyError } from '../engine/policy/index.js';
import { CliError, type CliIo, UsageError } from './command.js';

/** Who a decision made from this terminal is recorded as in the audit log. */
export function cliActor(io: CliIo): string {
  return `cli:${io.env.USER || io.env.USERNAME || io.env.LOGNAME || 'unknown'}`;
}

export function capabilityKind(word: string | undefined): CapabilityKind {
  if (word === 'storage' || word === 'network') return word;
  if (word === 'env' || word === 'environment') return 'environment';
  throw new UsageError(
    word ? `unknown capability kind "${word}": use storage, network or env` : 'expected storage, network or env',
  );
}

/** Policy refusals (unknown component, malformed target, answered request) are messages, not crashes. */
export async function policyCall<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GrantError || err instanceof PolicyError) throw new CliError(err.message);
    throw err;
  }
}

export function describeTarget(kind: string, target: string, access: string): string {
  return `${kind} ${target}${access ? ` (${access})` : ''}`;
}
