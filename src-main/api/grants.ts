import type { Grant } from '../engine/policy/index.js';
import type { Handlers } from './context.js';
import { engineCall } from './errors.js';

export function toGrantInfo({ id, kind, target, access, scope, decidedBy, decidedAt, expiresAt }: Grant) {
  return { id, kind, target, access, scope, decidedBy, decidedAt, expiresAt };
}

export const grantHandlers: Handlers<'grants.list' | 'grants.add' | 'grants.revoke' | 'grants.reapprove'> = {
  'grants.list': ({ componentId }, ctx) =>
    engineCall(() => ({
      grants: ctx.weld.policy.grants(componentId).map(toGrantInfo),
      suspended: ctx.weld.policy.suspended(componentId).map(toGrantInfo),
      requested: ctx.weld.policy.requested(componentId),
    })),

  'grants.reapprove': ({ componentId }, ctx) =>
    engineCall(() => ({ reapproved: ctx.weld.policy.reapprove(componentId, ctx.actor) })),

  'grants.add': ({ componentId, capability, scope }, ctx) =>
    engineCall(() =>
      toGrantInfo(
        ctx.weld.policy.grant({
          componentId,
          kind: capability.kind,
          target: capability.target,
          access: capability.access,
          scope: scope ?? 'always',
          by: ctx.actor,
        }),
      ),
    ),

  'grants.revoke': ({ componentId, kind, target }, ctx) =>
    engineCall(() => {
      const r = ctx.weld.policy.revoke({ componentId, kind, target, by: ctx.actor });
      return { removed: r.removed.length, narrowed: r.narrowed.length };
    }),
};
