import { homedir } from 'node:os';
import { weldPaths } from '../engine/config.js';
import { type CapabilityKind, EventBus } from '../engine/events.js';
import { createPolicyEngine, GrantError, type PolicyEngine, PolicyError } from '../engine/policy/index.js';
import { openStore, type Store } from '../engine/store/index.js';
import { CliError, type CliIo, UsageError } from './command.js';
import { dataDir } from './engine.js';

export interface PolicyContext {
  policy: PolicyEngine;
  store: Store;
  events: EventBus;
}

/**
 * Permission commands need the store and the policy engine only: no runtime, so no component is
 * loaded (or fails to load) just to change a grant.
 */
export async function withPolicy<T>(io: CliIo, fn: (ctx: PolicyContext) => T | Promise<T>): Promise<T> {
  const home = dataDir(io);
  const store = openStore(weldPaths(home).db);
  const events = new EventBus();
  const policy = createPolicyEngine({ store, events, dataDir: home, userHome: io.env.HOME || homedir(), env: io.env });
  try {
    return await fn({ policy, store, events });
  } finally {
    policy.close();
    store.close();
  }
}

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
