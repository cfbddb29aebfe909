import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

/**
 * The one way guest code reaches the trusted engine: a synchronous call from the worker, because a
 * guest blocked in a WASI function cannot await. The worker posts on a port that nobody listens to
 * on its side, sleeps on a shared flag, and picks the answer up with receiveMessageOnPort.
 * The engine may take as long as it likes (an HTTP request, a person answering a prompt); the call's
 * deadline is enforced by terminating the worker, not here.
 */

export type HostOps = Record<string, (payload: never) => unknown>;

export interface HostBridge {
  call(op: string, payload: unknown): unknown;
  /** Fire and forget (audit of a performed access): never blocks the guest. */
  notify(op: string, payload: unknown): void;
}

interface Reply {
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface BridgeChannel {
  port: MessagePort;
  flag: SharedArrayBuffer;
}

/**
 * Worker side. Every message names the call in progress (`currentCall`): calls are pipelined, so the
 * engine may already be on a later call when a notice from an earlier one reaches it.
 */
export function workerBridge(
  channel: BridgeChannel,
  currentCall: () => string | null = () => null,
  /** Tells an engine that may be sleeping on the call's reply that a host call waits for it. */
  wakeEngine: () => void = () => {},
): HostBridge {
  const flag = new Int32Array(channel.flag);
  const { port } = channel;
  return {
    call(op, payload) {
      Atomics.store(flag, 0, 0);
      port.postMessage({ op, payload, sync: true, call: currentCall() });
      wakeEngine();
      Atomics.wait(flag, 0, 0);
      const reply = receiveMessageOnPort(port)?.message as Reply | undefined;
      if (!reply) throw new Error(`host call ${op}: no reply`);
      if (!reply.ok) throw new Error(reply.error ?? `host call ${op} failed`);
      return reply.value;
    },
    notify(op, payload) {
      port.postMessage({ op, payload, sync: false, call: currentCall() });
    },
  };
}

export type HostHandler = (op: string, payload: unknown, callId: string | null) => unknown | Promise<unknown>;

export interface BridgeServer {
  stop(): void;
  /**
   * Handles, now, every message the worker has already posted. The worker's fire-and-forget audit
   * notices travel on this port while its call reply travels on another, so a fast call's reply is
   * seen before its notices would reach the event loop: draining when the reply arrives keeps each
   * notice attributed to the call that made it.
   */
  drain(): void;
}

/** Engine side: answers the worker's calls with `handler`, one at a time in arrival order. */
export function serveBridge(channel: BridgeChannel, handler: HostHandler): BridgeServer {
  const flag = new Int32Array(channel.flag);
  const { port } = channel;
  const onMessage = async (msg: { op: string; payload: unknown; sync: boolean; call?: string | null }) => {
    let reply: Reply;
    try {
      reply = { ok: true, value: await handler(msg.op, msg.payload, msg.call ?? null) };
    } catch (err) {
      reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    if (!msg.sync) return;
    port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  port.on('message', onMessage);
  return {
    stop() {
      port.off('message', onMessage);
      port.close();
    },
    drain() {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) void onMessage(m.message);
    },
  };
}
