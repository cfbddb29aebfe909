/**
 * wasi:io (error, poll, streams) for one sandboxed instance. Everything a guest can reach is a small,
 * synchronous object that Weld created for it: a stream wraps a sink or source the host chose, so a
 * guest can never name a host file descriptor or socket on its own.
 */

/** wasi:io/error `error`. */
export class IoError {
  constructor(readonly message: string) {}
  toDebugString(): string {
    return this.message;
  }
}

/** The `stream-error` variant, thrown as the glue expects for `result<_, stream-error>`. */
export type StreamError = { tag: 'closed' } | { tag: 'last-operation-failed'; val: IoError };
export const CLOSED: StreamError = { tag: 'closed' };
export const failed = (message: string): StreamError => ({ tag: 'last-operation-failed', val: new IoError(message) });

/**
 * wasi:io/poll `pollable`. Readiness is a function so one class serves clocks, streams and HTTP
 * futures; `block` is only ever reached for things that become ready by themselves (time) or that the
 * host completes synchronously, so it never waits on the guest.
 */
export class Pollable {
  constructor(
    readonly isReady: () => boolean,
    readonly blockUntilReady: () => void = () => {},
  ) {}
  ready(): boolean {
    return this.isReady();
  }
  block(): void {
    if (!this.isReady()) this.blockUntilReady();
  }
}

export const readyPollable = (): Pollable => new Pollable(() => true);

/** wasi:io/poll `poll`: blocks until at least one is ready and returns the indexes of the ready ones. */
export function poll(list: Pollable[]): Uint32Array {
  if (list.length === 0) throw new Error('poll: empty list');
  for (;;) {
    const ready = list.flatMap((p, i) => (p.ready() ? [i] : []));
    if (ready.length) return new Uint32Array(ready);
    // Nothing is ready: block on the first one that can block by itself (time), then look again.
    list[0].block();
  }
}

export interface ByteSink {
  /** Takes the bytes or throws a StreamError. */
  write(bytes: Uint8Array): void;
  /** How many bytes the sink accepts now (0 means full, which for a bounded sink means closed). */
  capacity?(): number;
}

export interface ByteSource {
  /** Up to `max` bytes; an empty array when nothing is there yet; throws CLOSED at the end. */
  read(max: number): Uint8Array;
}

const MAX_WRITE = 64 * 1024;
/** Shared and never written to: every sink copies or consumes what it is given before returning. */
const ZEROES = new Uint8Array(MAX_WRITE);

export class OutputStream {
  constructor(readonly sink: ByteSink) {}

  checkWrite(): bigint {
    const cap = this.sink.capacity?.() ?? MAX_WRITE;
    return BigInt(Math.min(cap, MAX_WRITE));
  }
  write(contents: Uint8Array): void {
    this.sink.write(contents);
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.sink.write(contents);
  }
  flush(): void {}
  blockingFlush(): void {}
  subscribe(): Pollable {
    return readyPollable();
  }
  /**
   * Streamed in bounded pieces: a guest asking for gigabytes of zeroes costs the host one 64 KiB buffer
   * (a bounded sink counts and drops the rest), never an allocation of the size it asked for.
   */
  writeZeroes(len: bigint): void {
    for (let left = len; left > 0n; ) {
      const n = left > BigInt(MAX_WRITE) ? MAX_WRITE : Number(left);
      this.sink.write(n === MAX_WRITE ? ZEROES : ZEROES.subarray(0, n));
      left -= BigInt(n);
    }
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
  }
  splice(src: InputStream, len: bigint): bigint {
    const bytes = src.read(len);
    this.sink.write(bytes);
    return BigInt(bytes.length);
  }
  blockingSplice(src: InputStream, len: bigint): bigint {
    const bytes = src.blockingRead(len);
    this.sink.write(bytes);
    return BigInt(bytes.length);
  }
}

export class InputStream {
  constructor(readonly source: ByteSource) {}

  read(len: bigint): Uint8Array {
    return this.source.read(Number(len > BigInt(MAX_WRITE) ? BigInt(MAX_WRITE) : len));
  }
  /** Sources in this host are either complete in memory or at their end, so a read never has to wait. */
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return readyPollable();
  }
}

/** A source over bytes already in memory (file contents, an HTTP body). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  let offset = 0;
  return {
    read(max) {
      if (offset >= bytes.length && max > 0) throw CLOSED;
      const chunk = bytes.subarray(offset, offset + max);
      offset += chunk.length;
      return chunk;
    },
  };
}

/** A source with nothing in it (stdin of a tool call). */
export const emptySource: ByteSource = {
  read() {
    throw CLOSED;
  },
};

/**
 * A sink that keeps at most `limit` bytes and counts the rest, so a guest flooding stdout costs
 * bounded memory and never reaches the process's own stdout (the MCP stream).
 */
export class BoundedCapture implements ByteSink {
  #chunks: Uint8Array[] = [];
  #kept = 0;
  dropped = 0;

  constructor(readonly limit: number) {}

  write(bytes: Uint8Array): void {
    const room = this.limit - this.#kept;
    if (room > 0) {
      const part = bytes.length <= room ? bytes.slice() : bytes.slice(0, room);
      this.#chunks.push(part);
      this.#kept += part.length;
    }
    this.dropped += Math.max(0, bytes.length - Math.max(room, 0));
  }

  /** Returns what was captured since the last take and starts over. */
  take(): { text: string; dropped: number } {
    const text = Buffer.concat(this.#chunks).toString('utf8');
    const dropped = this.dropped;
    this.#chunks = [];
    this.#kept = 0;
    this.dropped = 0;
    return { text, dropped };
  }
}
