import { RegistryError } from '../engine/registry/errors.js';
import type { Registry } from '../engine/registry/index.js';
import { CliError, type CliIo } from './command.js';
import { dataDir } from './engine.js';

/** Loaded on demand so that commands which never touch a registry do not load sigstore. */
export async function openRegistry(io: CliIo): Promise<Registry> {
  const { createRegistry } = await import('../engine/registry/index.js');
  return registryCall(() => createRegistry({ home: dataDir(io), env: io.env }));
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
