import type { Handlers } from './context.js';
import { engineCall as asApiError } from './errors.js';

export const ociHandlers: Handlers<'catalog.search' | 'registry.inspect'> = {
  'catalog.search': ({ query }, ctx) => asApiError(() => ctx.weld.searchComponents(query)),

  'registry.inspect': async ({ ref, trustOnce }, ctx) => {
    const registry = await asApiError(() => ctx.weld.registry());
    const info = await asApiError(() => registry.inspect(ref, { trustOnce }));
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
