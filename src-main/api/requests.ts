import type { Handlers } from './context.js';
import { engineCall } from './errors.js';
import { uiState } from './ui-state.js';

export const requestHandlers: Handlers<'requests.list' | 'requests.decide'> = {
  /** Every open request, this process's and those held by other Weld processes sharing the data dir. */
  'requests.list': (_input, ctx) => {
    const running = uiState(ctx.weld).running;
    return ctx.weld.policy.pending().map((r) => {
      const call = r.callId ? running.get(r.callId) : undefined;
      return {
        id: r.id,
        componentId: r.componentId,
        callId: r.callId,
        tool: call?.tool ?? null,
        client: call?.client ?? null,
        kind: r.kind,
        target: r.target,
        access: r.access,
        origin: r.origin,
        requestedBy: r.requestedBy,
        requestedAt: r.requestedAt,
        expiresAt: r.expiresAt,
      };
    });
  },

  'requests.decide': ({ requestId, answer }, ctx) =>
    engineCall(() => {
      const r = ctx.weld.policy.decide(requestId, answer, ctx.actor, 'window');
      return { id: r.id, status: r.status };
    }),
};
