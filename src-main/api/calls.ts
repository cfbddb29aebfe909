import type { CapabilityKind, Decision } from '../engine/events.js';
import type { CallRow } from '../engine/store/calls.js';
import { ApiError, type Handlers } from './context.js';
import { shownArgs } from './masking.js';

function toInfo({ argsHash: _h, output: _o, args: _a, ...c }: CallRow) {
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
    // One entry per decision: the same check repeated within a call (a guest that opens a file twice,
    // or the open and the check of its real path) is one line with a count.
    const capabilityEvents: {
      kind: CapabilityKind;
      target: string;
      access: string;
      decision: Decision;
      at: number;
      count: number;
    }[] = [];
    for (const { kind, target, access, decision, at } of ctx.weld.store.calls.capabilityEvents(id)) {
      const same = capabilityEvents.find(
        (e) => e.kind === kind && e.target === target && e.access === access && e.decision === decision,
      );
      if (same) same.count += 1;
      else capabilityEvents.push({ kind, target, access, decision, at, count: 1 });
    }
    return { ...call, args: shownArgs(ctx.weld, call.componentId, call.args), capabilityEvents };
  },
};
