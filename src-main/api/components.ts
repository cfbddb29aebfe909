import type { ComponentRecord } from '../engine/store/components.js';
import { type ApiContext, ApiError, type Handlers } from './context.js';

/** The UI never needs the WIT text or the raw policy in the list; they can be large. */
function toInfo({ wit: _wit, policy: _policy, ...c }: ComponentRecord) {
  return c;
}

function mustGet(ctx: ApiContext, id: string): ComponentRecord {
  const c = ctx.weld.store.components.get(id);
  if (!c) throw new ApiError('not-found', `No component "${id}" is installed.`);
  return c;
}

export const componentHandlers: Handlers<'components.list' | 'components.setEnabled' | 'components.remove'> = {
  'components.list': (_input, ctx) => ctx.weld.store.components.list().map(toInfo),

  'components.setEnabled': ({ id, enabled }, ctx) => {
    const before = mustGet(ctx, id);
    if (before.enabled !== enabled) {
      ctx.weld.store.components.setEnabled(id, enabled);
      // Tools leave (or rejoin) the MCP tool list at once; other Weld processes follow through the store.
      if (enabled) {
        try {
          ctx.weld.runtime.load({ ...before, enabled });
        } catch (err) {
          // As at start-up: the component stays enabled and the log says why its tools are missing.
          ctx.weld.logger.error('component not loaded', { component: id, err: String(err) });
        }
      } else ctx.weld.runtime.unload(id);
      ctx.weld.store.recorder.audit({
        at: Date.now(),
        actor: ctx.actor,
        action: enabled ? 'component.enable' : 'component.disable',
        subject: id,
        detail: { digest: before.digest },
      });
      ctx.weld.events.emit('components.changed', { componentId: id, change: enabled ? 'enabled' : 'disabled' });
    }
    return toInfo(mustGet(ctx, id));
  },

  'components.remove': ({ id }, ctx) => {
    mustGet(ctx, id);
    // The engine drops its tools, worker and cached code, and audits the removal.
    ctx.weld.remove(id, ctx.actor);
    return { removed: true as const };
  },
};
