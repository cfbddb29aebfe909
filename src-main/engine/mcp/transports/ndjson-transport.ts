import type { Duplex } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { isJsonRpcMessage } from './jsonrpc-envelope.js';

export interface NdjsonLimits {
  /** A line longer than this is discarded with an error reply; the connection stays open. */
  maxFrameBytes: number;
  /** Above this many unsent reply bytes, the connection stops reading requests until the client catches up. */
  pauseWriteBytes: number;
  /** A client that lets this many reply bytes pile up is not reading at all: the connection is closed. */
  maxWriteBytes: number;
  /** Requests running at once on one connection; more wait in the socket until one finishes. */
  maxInFlight: number;
}

export const DEFAULT_LIMITS: NdjsonLimits = {
  maxFrameBytes: 4 * 1024 * 1024,
  pauseWriteBytes: 1024 * 1024,
  maxWriteBytes: 32 * 1024 * 1024,
  maxInFlight: 64,
};

const NEWLINE = 0x0a;

/**
 * Newline-delimited JSON-RPC over any byte stream (a Unix socket, a named pipe), one MCP session per
 * stream. Unlike the SDK's stdio transport it answers bad frames instead of dropping them silently,
 * bounds every buffer, and applies backpressure both ways, because a socket is open to any local
 * process, not only to the client that spawned us.
 */
export class NdjsonTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #stream: Duplex;
  readonly #limits: NdjsonLimits;
  /** Received bytes not yet parsed: at most a chunk or two, since the socket is paused while congested. */
  #backlog: Buffer | null = null;
  #pumping = false;
  #parts: Buffer[] = [];
  #partBytes = 0;
  /** True while discarding the rest of an oversized line. */
  #skipping = false;
  readonly #inFlight = new Set<RequestId>();
  #closed = false;
  #outbox = '';

  constructor(stream: Duplex, limits: Partial<NdjsonLimits> = {}) {
    this.#stream = stream;
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  async start(): Promise<void> {
    this.#stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#stream.on('drain', () => this.#pump());
    // A reset or broken pipe is how clients usually leave; it is not an error of ours to report.
    this.#stream.on('error', () => this.#stream.destroy());
    this.#stream.on('end', () => this.#stream.end());
    this.#stream.once('close', () => this.#onClosed());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return;
    if ('id' in message && ('result' in message || 'error' in message)) this.#inFlight.delete(message.id as RequestId);
    if (!this.#outbox) process.nextTick(this.#flush);
    this.#outbox += `${JSON.stringify(message)}\n`;
  }

  /**
   * Writes the replies produced in one tick together: replies to calls answered in a batch cost one
   * write to the pipe or socket instead of one each.
   */
  readonly #flush = (): void => {
    const out = this.#outbox;
    this.#outbox = '';
    if (this.#closed || !out) return;
    this.#stream.write(out);
    if (this.#stream.writableLength > this.#limits.maxWriteBytes) {
      this.#stream.destroy();
      return;
    }
    this.#pump();
  };

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#stream.end();
    // end() waits for the client to read what is queued; a client that never reads must not hold us.
    setTimeout(() => this.#stream.destroy(), 1000).unref();
  }

  #onData(chunk: Buffer): void {
    this.#backlog = this.#backlog ? Buffer.concat([this.#backlog, chunk]) : chunk;
    this.#pump();
  }

  /**
   * Feeds buffered bytes to the session while it is not congested, then pauses or resumes the socket.
   * A chunk can hold hundreds of requests: stopping mid-chunk is what makes maxInFlight a real bound.
   */
  #pump(): void {
    if (this.#closed || this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#backlog && !this.#congested() && !this.#closed) this.#consume();
    } finally {
      this.#pumping = false;
    }
    if (this.#closed) return;
    if (this.#congested()) this.#stream.pause();
    else if (this.#stream.isPaused()) this.#stream.resume();
  }

  #consume(): void {
    const chunk = this.#backlog as Buffer;
    this.#backlog = null;
    let start = 0;
    while (start < chunk.length && !this.#closed) {
      if (this.#congested()) {
        this.#backlog = chunk.subarray(start);
        return;
      }
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.#skipping) {
        this.#parts.push(chunk.subarray(start, end));
        this.#partBytes += end - start;
        if (this.#partBytes > this.#limits.maxFrameBytes) {
          this.#parts = [];
          this.#partBytes = 0;
          this.#skipping = true;
          const mib = this.#limits.maxFrameBytes / (1024 * 1024);
          this.#reply(null, ErrorCode.InvalidRequest, `Message too large: the limit is ${mib} MiB per line; it was discarded`);
        }
      }
      if (nl === -1) return;
      if (this.#skipping) this.#skipping = false;
      else this.#onFrame();
      start = nl + 1;
    }
  }

  #onFrame(): void {
    const frame = this.#parts.length === 1 ? this.#parts[0] : Buffer.concat(this.#parts);
    this.#parts = [];
    this.#partBytes = 0;
    const text = frame.toString('utf8').trim();
    if (!text) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      this.#reply(null, ErrorCode.ParseError, `Parse error: ${(err as Error).message}`);
      return;
    }
    if (!isJsonRpcMessage(json)) {
      const id = (json as { id?: unknown } | null)?.id;
      // Only an id the client could have meant is echoed: 1.5 or 2^60 are not request ids (and 2^60 would
      // come back rounded), so those get null like an unreadable one.
      const replyId = typeof id === 'string' || Number.isSafeInteger(id) ? (id as RequestId) : null;
      this.#reply(replyId, ErrorCode.InvalidRequest, 'Invalid Request: not a JSON-RPC 2.0 request, notification or response');
      return;
    }
    if ('method' in json) {
      if ('id' in json) this.#inFlight.add(json.id);
      // The SDK sends nothing for a cancelled request, so its slot is freed here.
      else if (json.method === 'notifications/cancelled') this.#inFlight.delete(json.params?.requestId as RequestId);
    }
    this.onmessage?.(json);
  }

  #reply(id: RequestId | null, code: number, message: string): void {
    // A null id is what JSON-RPC prescribes when the request's id could not be read.
    void this.send({ jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage);
  }

  #congested(): boolean {
    return this.#stream.writableLength > this.#limits.pauseWriteBytes || this.#inFlight.size >= this.#limits.maxInFlight;
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#parts = [];
    this.#backlog = null;
    this.#inFlight.clear();
    this.onclose?.();
  }

  /** Requests this connection has sent that have not been answered or cancelled yet. */
  get inFlight(): number {
    return this.#inFlight.size;
  }
}
