import type { EventBus } from '../events.js';
import type { Recorder } from '../store/recorder.js';
import type { CallDenials } from './call-denials.js';
import {
  type CapabilityAnswer,
  type CapabilityRequest,
  type CapabilityUse,
  HOST_OPS,
  type HttpRequestPayload,
} from './sandbox.js';
import { boundTarget, summaryTarget, UseLedger } from './use-ledger.js';

export interface HostCallDeps {
  recorder: Recorder;
  events: EventBus;
  /** Just-in-time decision for something the plan does not allow. */
  request(componentId: string, callId: string | null, r: CapabilityRequest): Promise<CapabilityAnswer>;
  /** Performs a checked outgoing HTTP request. */
  http(componentId: string, callId: string | null, r: HttpRequestPayload): Promise<unknown>;
  /** Refusals to report in the call's result. */
  denials: CallDenials;
}

/**
 * Routes what a guest asks of the engine. Every access a worker performed or refused is recorded
 * against the call, and every decision is announced for the live log.
 */
export function hostCallRouter(deps: HostCallDeps) {
  const ledger = new UseLedger((s) =>
    deps.recorder.capability({
      callId: s.callId,
      componentId: s.componentId,
      kind: s.kind,
      target: summaryTarget(s),
      access: s.access,
      decision: s.decision,
      at: Date.now(),
    }),
  );
  deps.events.on('call.finished', ({ callId }) => ledger.finish(callId));
  return (componentId: string, callId: string | null, op: string, payload: unknown): unknown | Promise<unknown> => {
    switch (op) {
      case HOST_OPS.used: {
        const u = payload as CapabilityUse;
        const target = boundTarget(u.target);
        const refused = u.decision === 'denied' && !u.asked;
        // The result's notes are few and deduplicated already (CallDenials): each refusal may add one.
        if (refused) deps.denials.add(callId, `${target} (${u.access}): ${u.reason ?? 'not granted'}`);
        // Repeats, and accesses past the per-call budget, are counted into one row at the call's end.
        if (!ledger.admit(componentId, callId, { ...u, target })) return undefined;
        deps.recorder.capability({
          callId,
          componentId,
          kind: u.kind,
          target,
          access: u.access,
          decision: u.decision,
          at: Date.now(),
        });
        if (refused)
          deps.events.emit('capability.decided', {
            requestId: null,
            callId,
            componentId,
            kind: u.kind,
            target,
            decision: 'denied',
            by: 'policy',
          });
        return undefined;
      }
      case HOST_OPS.request:
        return Promise.resolve(deps.request(componentId, callId, payload as CapabilityRequest)).then((answer) => {
          if (answer.decision === 'denied') deps.denials.add(callId, answer.reason);
          return answer;
        });
      case HOST_OPS.http:
        return deps.http(componentId, callId, payload as HttpRequestPayload);
      default:
        throw new Error(`unknown host operation ${op}`);
    }
  };
}
