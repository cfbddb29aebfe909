import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage, type MessageExtraInfo, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { isPlainObject } from '../plain-object.js';

/** One tools/call as the route hands it over: already checked to be well formed. */
export interface RoutedCall {
  /** The JSON-RPC id of the tools/call: requests Weld sends the client about this call refer to it. */
  requestId: RequestId;
  name: string;
  args: Record<string, unknown> | undefined;
  signal: AbortSignal;
  /** Present when the client asked for progress notifications. */
  progress?: (progress: number, total?: number, message?: string) => void;
  /** Sends a notification about this call on its stream (dropped once the call is cancelled). */
  notify: (method: string, params: Record<string, unknown>) => void;
}

/** Runs a call; a thrown error with a numeric `code` becomes that JSON-RPC error. */
export type RoutedCallHandler = (call: RoutedCall) => Promise<Record<string, unknown>>;

/**
 * Sits between a transport and the SDK server: answers tools/call requests itself and passes every
 * other message on.
 *
 * Why: on its way to a tool handler and back, the SDK checks each tools/call against zod schemas six
 * times (three message-type guards, the request, the result, task metadata). On a 2-core machine that
 * was about a seventh of Weld's main-thread time per call, while the arguments are checked against the
 * tool's own JSON Schema anyway and the result is built by Weld. Malformed calls get -32602 with a
 * sentence saying what is wrong (the SDK answered them with -32603 and a zod dump). Cancellation,
 * progress and disconnects keep the SDK's rules: a cancelled request gets no reply, and closing the
 * connection aborts its calls.
 */
export class ToolCallRoute implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  readonly #inner: Transport;
  readonly #handle: RoutedCallHandler;
  readonly #running = new Map<RequestId, AbortController>();

  constructor(inner: Transport, handle: RoutedCallHandler) {
    this.#inner = inner;
    this.#handle = handle;
  }

  get sessionId(): string | undefined {
    return this.#inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.#inner.setProtocolVersion?.(version);
  }

  start(): Promise<void> {
    // Handlers the endpoint set on the transport before connecting (its own bookkeeping) still run.
    const innerClose = this.#inner.onclose;
    this.#inner.onclose = () => {
      innerClose?.();
      for (const controller of this.#running.values()) controller.abort(new Error('the client disconnected'));
      this.#running.clear();
      this.onclose?.();
    };
    this.#inner.onerror = (err) => this.onerror?.(err);
    this.#inner.onmessage = (message, extra) => this.#route(message, extra);
    return this.#inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.#inner.send(message, options);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #route(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    const call = readToolCall(message);
    if (!call) {
      const cancelled = cancelledId(message);
      if (cancelled !== undefined) this.#running.get(cancelled)?.abort(new Error('cancelled by the client'));
      this.onmessage?.(message, extra);
      return;
    }
    const { id } = call;
    if ('invalid' in call) {
      this.#reply({ jsonrpc: '2.0', id, error: { code: ErrorCode.InvalidParams, message: call.invalid } }, id);
      return;
    }
    const controller = new AbortController();
    this.#running.set(id, controller);
    const { token } = call;
    const notify = (method: string, params: Record<string, unknown>) => {
      if (!controller.signal.aborted) this.#reply({ jsonrpc: '2.0', method, params }, id);
    };
    const progress =
      token === undefined
        ? undefined
        : (value: number, total?: number, text?: string) =>
            notify('notifications/progress', { progressToken: token, progress: value, total, message: text });
    this.#handle({ requestId: id, name: call.name, args: call.args, signal: controller.signal, progress, notify })
      .then(
        (result): JSONRPCMessage => ({ jsonrpc: '2.0', id, result }),
        (err: Error & { code?: unknown }): JSONRPCMessage => ({
          jsonrpc: '2.0',
          id,
          error: {
            code: Number.isSafeInteger(err.code) ? (err.code as number) : ErrorCode.InternalError,
            message: err.message || 'Internal error',
          },
        }),
      )
      .then((reply) => {
        if (this.#running.get(id) === controller) this.#running.delete(id);
        // A request the client cancelled, or whose connection closed, gets no reply.
        if (!controller.signal.aborted) this.#reply(reply, id);
      });
  }

  #reply(message: JSONRPCMessage, requestId: RequestId): void {
    this.#inner.send(message, { relatedRequestId: requestId }).catch((err: Error) => this.onerror?.(err));
  }
}

type ToolCallRequest =
  | { id: RequestId; name: string; args: Record<string, unknown> | undefined; token: string | number | undefined }
  | { id: RequestId; invalid: string };

/**
 * A tools/call request read by hand, or null for any other message. The envelope (id, `_meta` and its
 * progress token) was checked by the transport; members the schema does not name are ignored, as the
 * SDK does.
 */
function readToolCall(message: JSONRPCMessage): ToolCallRequest | null {
  if (!('method' in message) || message.method !== 'tools/call' || !('id' in message)) return null;
  const { id, params } = message;
  if (!isPlainObject(params) || typeof params.name !== 'string') {
    return { id, invalid: 'Invalid tools/call request: params must name the tool ("name", a string)' };
  }
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) {
    return { id, invalid: 'Invalid tools/call request: "arguments" must be a JSON object' };
  }
  // Tasks are a capability Weld does not declare; the SDK refuses them the same way.
  if (params.task !== undefined) {
    return { id, invalid: 'Invalid tools/call request: Weld does not run tool calls as tasks; send it without "task"' };
  }
  const meta = params._meta as { progressToken?: string | number } | undefined;
  return { id, name: params.name, args: params.arguments, token: meta?.progressToken };
}

function cancelledId(message: JSONRPCMessage): RequestId | undefined {
  if (!('method' in message) || message.method !== 'notifications/cancelled' || 'id' in message) return undefined;
  const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}
