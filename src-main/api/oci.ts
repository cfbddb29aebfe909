import { RegistryError } from '../engine/registry/errors.js';
import { ApiError, type Handlers } from './context.js';

/** Registry refusals carry a message for a person; the UI shows it as is. */
async function asApiError<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RegistryError) throw new ApiError(err.code === 'not-found' ? 'not-found' : 'bad-input', err.message);
    throw err;
  }
}

export const ociHandlers: Handlers<'catalog.search' | 'registry.inspect'> = {
  'catalog.search': ({ query }, ctx) => asApiError(() => ctx.weld.searchComponents(query)),

  'registry.inspect': async ({ ref }, ctx) => {
    const registry = await asApiError(() => ctx.weld.registry());
    const info = await asApiError(() => registry.inspect(ref));
    return {
      reference: info.reference,
      pinned: info.pinned,
      digest: info.digest,
      size: info.size,
      hasPolicy: info.hasPolicy,
      exports: info.config?.component?.exports ?? [],
      imports: info.config?.component?.imports ?? [],
      signature: info.signature,
    };
  },
};
