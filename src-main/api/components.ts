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
      // A disabled component's tools leave the MCP tool list at once; loading them again is the runtime's job.
      if (!enabled) ctx.weld.tools.removeComponent(id);
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
    const c = mustGet(ctx, id);
    ctx.weld.tools.removeComponent(id);
    ctx.weld.store.components.remove(id);
    ctx.weld.store.recorder.audit({
      at: Date.now(),
      actor: ctx.actor,
      action: 'component.remove',
      subject: id,
      detail: { digest: c.digest, sourceRef: c.sourceRef },
    });
    ctx.weld.events.emit('components.changed', { componentId: id, change: 'removed' });
    return { removed: true as const };
  },
};
