import type { CallRow } from '../engine/store/calls.js';
import { ApiError, type Handlers } from './context.js';

function toInfo({ argsHash: _h, output: _o, ...c }: CallRow) {
  return c;
}

export const callHandlers: Handlers<'calls.list' | 'calls.get'> = {
  'calls.list': async ({ tool, status, text, limit }, ctx) => {
    // This process's own calls wait a few ms in the recorder's batch; show them now.
    ctx.weld.store.recorder.flush();
    const calls = await ctx.weld.reader.read('calls', { tool, status, text: text || undefined, limit: limit ?? 200 });
    return calls.map(toInfo);
  },

  'calls.get': ({ id }, ctx) => {
    ctx.weld.store.recorder.flush();
    const call = ctx.weld.store.calls.get(id);
    if (!call) throw new ApiError('not-found', `No call "${id}" is recorded.`);
    const capabilityEvents = ctx.weld.store.calls
      .capabilityEvents(id)
      .map(({ kind, target, access, decision, at }) => ({ kind, target, access, decision, at }));
    return { ...call, capabilityEvents };
  },
};
