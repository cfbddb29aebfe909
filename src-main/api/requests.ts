import { join } from 'node:path';
import type { Handlers } from './context.js';
import { engineCall } from './errors.js';
import { shownArgs } from './masking.js';
import { uiState } from './ui-state.js';

/**
 * A path in the component's own workspace reads as Install showed it (`./data`: "its own folder
 * 'data'"), not as Weld's internal `<data dir>/workspaces/<id>/data`.
 */
export function inOwnWords(target: string, workspace: string): string {
  const path = target.replace(/^fs:\/\//, '');
  if (path === workspace) return '.';
  return path.startsWith(`${workspace}/`) ? `./${path.slice(workspace.length + 1)}` : target;
}

export const requestHandlers: Handlers<'requests.list' | 'requests.decide'> = {
  /** Every open request, this process's and those held by other Weld processes sharing the data dir. */
  'requests.list': (_input, ctx) => {
    const { running, requestRows } = uiState(ctx.weld);
    return ctx.weld.policy.pending().map((r) => {
      const held = requestRows.get(r.id);
      const call = r.callId ? running.get(r.callId) : undefined;
      return {
        id: r.id,
        componentId: r.componentId,
        callId: r.callId,
        tool: held?.tool ?? call?.tool ?? null,
        client: held?.client ?? call?.client ?? null,
        args: shownArgs(ctx.weld, r.componentId, held?.args),
        kind: r.kind,
        target: r.kind === 'storage' ? inOwnWords(r.target, join(ctx.weld.paths.home, 'workspaces', r.componentId)) : r.target,
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
