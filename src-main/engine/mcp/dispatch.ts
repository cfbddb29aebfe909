import { hash } from 'node:crypto';
import type { ErrorObject } from 'ajv';
import type { CallStatus, EventBus } from '../events.js';
import type { Recorder } from '../store/recorder.js';
import { argsPreview } from './args-preview.js';
import { newCallId } from './call-id.js';
import type { Caller } from './caller-prompts.js';
import { type CallLog, errorResult, type ToolResult, type ToolTable } from './tool-table.js';

/** Raised for requests that are wrong before any tool runs: unknown tool, bad arguments. */
export class CallError extends Error {
  constructor(
    message: string,
    readonly kind: 'unknown-tool' | 'invalid-arguments',
  ) {
    super(message);
  }
}

export interface CallRequest {
  tool: string;
  args: unknown;
  client: string | null;
  signal?: AbortSignal;
  progress?: (progress: number, total?: number, message?: string) => void;
  /** The MCP client that made the call, when it can be asked for a permission (elicitation). */
  caller?: Caller;
  log?: CallLog;
}

/** Where a running call's caller is kept while the call runs, so a held capability request can reach it. */
export interface CallerRegistry {
  enter(callId: string, tool: string, caller: Caller): void;
  leave(callId: string): void;
}

export interface Dispatcher {
  call(req: CallRequest): Promise<ToolResult>;
  /** A call this process is running, so a capability request it raises can say which call waits. */
  running(callId: string): { tool: string; client: string | null; args: unknown } | undefined;
}

const MAX_LOGGED_OUTPUT = 8 * 1024;

/**
 * The single path every tool call takes, whichever transport it came from (MCP, CLI, GUI):
 * lookup, validation, invocation, then its row committed before the result is returned.
 */
export function createDispatcher(deps: {
  tools: ToolTable;
  events: EventBus;
  recorder: Recorder;
  callers?: CallerRegistry;
}): Dispatcher {
  const { tools, events, recorder } = deps;
  const inFlight = new Map<string, { tool: string; client: string | null; args: unknown }>();
  return {
    running: (callId) => inFlight.get(callId),
    async call(req) {
      const tool = tools.get(req.tool);
      if (!tool) throw new CallError(`Unknown tool "${req.tool}". Use tools/list to see the available tools.`, 'unknown-tool');
      const args = req.args ?? {};
      const argsJson = JSON.stringify(args) ?? 'null';
      const record = (row: {
        callId: string;
        startedAt: number;
        durationUs: number;
        status: CallStatus;
        error: string | null;
        output: string;
      }) =>
        recorder.call({
          id: row.callId,
          componentId: tool.componentId,
          tool: tool.name,
          client: req.client,
          argsSize: Buffer.byteLength(argsJson),
          argsHash: hash('sha256', argsJson),
          status: row.status,
          startedAt: row.startedAt,
          durationUs: row.durationUs,
          error: row.error,
          output: row.output,
          args: argsPreview(args),
        });
      const invalid = typeof args !== 'object' || Array.isArray(args) ? [] : await tool.validate(args);
      if (invalid) {
        const message = `Invalid arguments for tool "${tool.name}": ${describeErrors(invalid)}`;
        // A refused call is in the log too: a model sending bad arguments is something a person looks for.
        const startedAt = Date.now();
        const callId = newCallId(startedAt);
        const recorded = record({ callId, startedAt, durationUs: 0, status: 'invalid', error: message, output: message });
        events.emit('call.finished', {
          callId,
          tool: tool.name,
          componentId: tool.componentId,
          client: req.client,
          status: 'invalid',
          durationUs: 0,
          error: message,
        });
        await recorded;
        throw new CallError(message, 'invalid-arguments');
      }
      // Back-pressure: while the call log cannot be written, a call waits (bounded) before it runs.
      const admitted = recorder.admit();
      if (admitted) await admitted;
      const startedAt = Date.now();
      const callId = newCallId(startedAt);
      const t0 = process.hrtime.bigint();
      events.emit('call.started', { callId, tool: tool.name, componentId: tool.componentId, client: req.client, at: startedAt });
      let result: ToolResult;
      let status: CallStatus;
      let error: string | null = null;
      let guestOutput = '';
      if (req.caller) deps.callers?.enter(callId, tool.name, req.caller);
      inFlight.set(callId, { tool: tool.name, client: req.client, args });
      let refused = false;
      try {
        result = await tool.invoke(args as Record<string, unknown>, {
          callId,
          client: req.client,
          signal: req.signal ?? new AbortController().signal,
          progress: req.progress,
          log: req.log,
          attachOutput: (stdout, stderr, dropped) => {
            guestOutput = guestOutputLog(stdout, stderr, dropped);
          },
          refused: (notes) => {
            refused ||= notes.length > 0;
          },
        });
        // A call that failed because Weld refused it a capability was denied, not broken: the log and
        // its filters tell the two apart. A guest that coped with the refusal and succeeded stays `ok`.
        status = result.isError ? (refused ? 'denied' : 'error') : 'ok';
        if (result.isError) error = firstText(result);
      } catch (err) {
        const e = err as Error & { status?: CallStatus };
        status = e.status ?? (req.signal?.aborted ? 'cancelled' : 'error');
        error = e.message ?? String(err);
        result = errorResult(error);
      }
      if (req.caller) deps.callers?.leave(callId);
      inFlight.delete(callId);
      const durationUs = Number((process.hrtime.bigint() - t0) / 1000n);
      const recorded = record({
        callId,
        startedAt,
        durationUs,
        status,
        error,
        output: (firstText(result).slice(0, MAX_LOGGED_OUTPUT) + guestOutput).slice(0, 2 * MAX_LOGGED_OUTPUT),
      });
      events.emit('call.finished', {
        callId,
        tool: tool.name,
        componentId: tool.componentId,
        client: req.client,
        status,
        durationUs,
        error,
      });
      // Group commit: the result leaves only once its row (and the capability rows queued before it) is
      // committed, together with every other call that finished in this turn of the event loop.
      await recorded;
      return result;
    },
  };
}

function guestOutputLog(stdout: string, stderr: string, dropped: number): string {
  let log = '';
  if (stdout) log += `\n--- stdout ---\n${stdout.slice(0, MAX_LOGGED_OUTPUT)}`;
  if (stderr) log += `\n--- stderr ---\n${stderr.slice(0, MAX_LOGGED_OUTPUT)}`;
  if (dropped) log += `\n--- ${dropped} more bytes of output dropped ---`;
  return log;
}

function firstText(r: ToolResult): string {
  return r.content.find((c) => c.type === 'text')?.text ?? '';
}

export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'arguments must be a JSON object';
  // An anyOf/oneOf failure arrives with one error per alternative; say it once, as the types it accepts.
  const alternatives = new Map<string, string[]>();
  for (const e of errors) {
    if (isChoice(e)) continue;
    const list = alternatives.get(e.instancePath) ?? [];
    list.push(e.keyword === 'type' ? String((e.params as { type: string }).type) : String(e.message).replace(/^must be /, ''));
    alternatives.set(e.instancePath, list);
  }
  const combined = new Set(errors.filter(isChoice).map((e) => e.instancePath));
  const shown = errors.filter((e) => !combined.has(e.instancePath) || isChoice(e));
  return shown
    .map((e) => {
      const accepted = isChoice(e) ? alternatives.get(e.instancePath) : undefined;
      if (accepted?.length)
        return `field "${fieldName(e.instancePath) || '(root)'}" must be ${[...new Set(accepted)].join(' or ')}`;
      const field = e.instancePath ? fieldName(e.instancePath) : (e.params as { missingProperty?: string }).missingProperty;
      if (e.keyword === 'required')
        return `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
      if (e.keyword === 'additionalProperties') {
        return `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"${field ? ` in "${field}"` : ''}`;
      }
      return `field "${field ?? '(root)'}" ${e.message}`;
    })
    .join('; ');
}

const isChoice = (e: ErrorObject): boolean => e.keyword === 'anyOf' || e.keyword === 'oneOf';

/** `/a/0/b` as a person reads it: `a.0.b`. */
const fieldName = (instancePath: string): string => instancePath.slice(1).replaceAll('/', '.');
