import type { ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { describeCapability, requestSentence, timeLeft } from '../../../src-renderer/src/capabilities.js';
import type { Logger } from '../log.js';
import { GrantError, type PendingRequest, type PolicyEngine, type PromptChannel } from '../policy/index.js';
import type { Store } from '../store/index.js';
import { isPromptClient } from './prompt-clients.js';

/** The MCP client that made a call, when it declared form elicitation: Weld can ask its person. */
export interface Caller {
  /** `clientInfo.name` from its initialize request. */
  readonly name: string;
  /** Sends elicitation/create on the call's own stream; rejects on error, timeout or a cancelled call. */
  elicit(params: ElicitRequestFormParams, timeoutMs: number): Promise<ElicitResult>;
}

export const ELICITATION = 'elicitation';

/** Never `always`: a permanent grant is made in Weld itself, where the person sees the component's whole picture. */
const SCOPES = [
  { const: 'once', title: 'Allow once (this call only)' },
  { const: 'session', title: 'Allow this session (until Weld restarts)' },
] as const;
type Scope = (typeof SCOPES)[number]['const'];

/**
 * Asks the person behind the client that made a held call, through MCP elicitation, when that client is
 * on the opt-in list. One channel among the others (window, notification, `weld requests watch`): the
 * first answer wins in PolicyEngine.decide. A decline, a cancel or no answer leaves the request to the
 * others until it expires; when nobody else can answer, a decline or cancel denies it at once rather
 * than holding the call for nothing.
 */
export class CallerPrompts implements PromptChannel {
  readonly #calls = new Map<string, { tool: string; caller: Caller }>();
  readonly #deps: { store: Store; policy: () => PolicyEngine; logger: Logger; now?: () => number };

  constructor(deps: { store: Store; policy: () => PolicyEngine; logger: Logger; now?: () => number }) {
    this.#deps = deps;
  }

  /** The dispatcher says which client a running call belongs to. */
  enter(callId: string, tool: string, caller: Caller): void {
    this.#calls.set(callId, { tool, caller });
  }

  leave(callId: string): void {
    this.#calls.delete(callId);
  }

  reaches(callId: string | null): boolean {
    return this.#trustedCaller(callId) !== undefined;
  }

  hint(callId: string | null): string | null {
    const call = callId === null ? undefined : this.#calls.get(callId);
    if (!call || this.#trustedCaller(callId)) return null;
    const name = /^[\w.@-]+$/.test(call.caller.name) ? call.caller.name : JSON.stringify(call.caller.name);
    return `${call.caller.name} could ask you itself after \`weld clients trust-prompts ${name}\``;
  }

  ask(request: PendingRequest): void {
    if (request.origin !== 'runtime') return;
    const call = this.#trustedCaller(request.callId);
    if (call) void this.#ask(request, call.tool, call.caller);
  }

  #trustedCaller(callId: string | null) {
    const call = callId === null ? undefined : this.#calls.get(callId);
    return call && isPromptClient(this.#deps.store, call.caller.name) ? call : undefined;
  }

  async #ask(request: PendingRequest, tool: string, caller: Caller): Promise<void> {
    const { policy, logger, store } = this.#deps;
    const now = this.#deps.now ?? Date.now;
    const actor = `client:${caller.name}`;
    let result: ElicitResult | null = null;
    try {
      result = await caller.elicit(promptParams(request, tool, caller.name, now()), Math.max(1, request.expiresAt - now()));
    } catch (err) {
      logger.info('the client did not answer the permission prompt', {
        requestId: request.id,
        client: caller.name,
        err: String(err),
      });
    }
    const scope = result?.action === 'accept' ? scopeOf(result.content) : null;
    if (result?.action === 'accept' && !scope) {
      // Accepted without choosing once or session: not an answer a grant can be made from.
      logger.warn('the client accepted the permission prompt without a choice; ignored', { requestId: request.id });
      result = null;
    }
    const answer = result === null ? 'no-answer' : (scope ?? result.action);
    const record = (action: string, detail: Record<string, unknown>) =>
      store.audit.append([
        {
          at: now(),
          actor,
          action,
          subject: request.componentId,
          detail: { requestId: request.id, channel: ELICITATION, answer, ...detail },
        },
      ]);
    // Someone answered first (or it expired): this answer changes nothing, but it is evidence of who said what.
    const late = () => {
      const r = policy().getRequest(request.id);
      if (result !== null && r) record('policy.late-answer', { decidedBy: r.decidedBy, status: r.status });
    };
    if (policy().getRequest(request.id)?.status !== 'pending') return late();
    if (result === null) return; // no answer: the request stays open on the other channels until it expires
    try {
      if (scope) policy().decide(request.id, scope, actor, ELICITATION);
      // Declined or dismissed with nobody else to ask: deny now instead of holding the call for nothing.
      else if (!policy().hasDecider()) policy().decide(request.id, 'deny', actor, ELICITATION);
      else record('policy.prompt-declined', { left: 'to the other channels until it expires' });
    } catch (err) {
      if (err instanceof GrantError && err.code === 'already-decided') return late();
      logger.warn('could not record the answer from the client', { requestId: request.id, err: String(err) });
    }
  }
}

function scopeOf(content: ElicitResult['content']): Scope | null {
  const v = content?.allow;
  return SCOPES.some((s) => s.const === v) ? (v as Scope) : null;
}

/** The question in the Requests page's words: what, which component and tool, how risky, for whom. */
export function promptParams(r: PendingRequest, tool: string, client: string, now: number): ElicitRequestFormParams {
  const { risk } = describeCapability(r);
  const message = [
    `Weld is holding a call of ${tool} from ${client}: ${requestSentence(r)}.`,
    `Risk: ${risk}. Component: ${r.componentId}. Request: ${r.kind} ${r.target}${r.access ? ` (${r.access})` : ''}.`,
    `Allow it once or for this session? Declining leaves it to the Weld window; with no answer it is denied in ${timeLeft(r.expiresAt, now)}.`,
  ].join('\n');
  return {
    mode: 'form',
    message,
    requestedSchema: {
      type: 'object',
      properties: {
        allow: {
          type: 'string',
          title: 'Allow',
          description: 'For how long this tool may do it. Permanent grants are made in Weld itself.',
          oneOf: SCOPES.map((s) => ({ ...s })),
          default: 'once',
        },
      },
      required: ['allow'],
    },
  };
}
