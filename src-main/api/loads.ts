import type { Handlers } from './context.js';
import { engineCall } from './errors.js';

export const loadHandlers: Handlers<'loads.list' | 'loads.decide'> = {
  'loads.list': (_input, ctx) =>
    ctx.weld.loads.pending().map(({ id, ref, componentId, replaces, requestedBy, requestedAt, expiresAt }) => ({
      id,
      ref,
      componentId,
      replaces,
      requestedBy,
      requestedAt,
      expiresAt,
    })),

  'loads.decide': ({ requestId, answer }, ctx) =>
    engineCall(async () => {
      const { request } = await ctx.weld.loads.decide(requestId, answer, ctx.actor);
      return { id: request.id, status: request.status as 'allowed' | 'denied', componentId: request.componentId };
    }),
};
