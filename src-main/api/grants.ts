import { GrantError } from '../engine/policy/index.js';
import { type ApiContext, ApiError, type Handlers } from './context.js';

/** Policy refusals become messages for the person; an unknown component or request is not-found. */
function policyCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof GrantError) {
      throw new ApiError(err.code === 'not-installed' || err.code === 'not-found' ? 'not-found' : 'bad-input', err.message);
    }
    throw err;
  }
}

function permissions(ctx: ApiContext, componentId: string) {
  const p = ctx.weld.policy;
  const grants = p.grants(componentId).map(({ callId: _callId, ...g }) => g);
  return { componentId, requested: p.requested(componentId), grants, limits: p.plan(componentId).limits };
}

export const grantHandlers: Handlers<'grants.list' | 'grants.revoke' | 'requests.list' | 'requests.decide'> = {
  'grants.list': ({ componentId }, ctx) => policyCall(() => permissions(ctx, componentId)),

  'grants.revoke': ({ componentId, kind, target, access }, ctx) =>
    policyCall(() => {
      ctx.weld.policy.revoke({ componentId, kind, target, access, by: ctx.actor });
      return permissions(ctx, componentId);
    }),

  'requests.list': (_input, ctx) => ctx.weld.policy.pending(),

  'requests.decide': ({ id, answer }, ctx) => policyCall(() => ctx.weld.policy.decide(id, answer, ctx.actor)),
};
