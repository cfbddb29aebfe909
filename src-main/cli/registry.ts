import { RegistryError } from '../engine/registry/errors.js';
import type { Registry } from '../engine/registry/index.js';
import { CliError, type CliIo, UsageError } from './command.js';
import { dataDir } from './engine.js';

/** WELD_MAX_COMPONENT_MB overrides the 64 MiB cap on a component layer. */
export function componentLimit(env: CliIo['env']): number | undefined {
  const raw = env.WELD_MAX_COMPONENT_MB;
  if (raw === undefined || raw === '') return undefined;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb <= 0 || mb > 4096)
    throw new UsageError(`WELD_MAX_COMPONENT_MB must be a number of MiB (1-4096), got "${raw}"`);
  return Math.floor(mb * 1024 * 1024);
}

/** Loaded on demand so that commands which never touch a registry do not load sigstore. */
export async function openRegistry(io: CliIo): Promise<Registry> {
  const { createRegistry } = await import('../engine/registry/index.js');
  const blob = componentLimit(io.env);
  return createRegistry({ home: dataDir(io), limits: blob ? { blob } : undefined });
}

/** Registry refusals are expected outcomes with a message for a person, not crashes. */
export async function registryCall<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RegistryError) throw new CliError(err.message);
    throw err;
  }
}
