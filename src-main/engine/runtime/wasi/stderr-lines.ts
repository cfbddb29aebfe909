import type { BoundedCapture, ByteSink } from './streams.js';

/** Lines of one call's stderr sent to the calling client as they are written; the rest stay in the call log. */
export const MAX_STREAMED_LINES = 50;
/** A longer line is cut here: a notification is read by a person or a model, not parsed. */
export const MAX_LINE_CHARS = 1000;
/** Bytes of an unfinished line kept while waiting for its newline (UTF-8: up to 4 bytes a character). */
const MAX_PENDING_BYTES = MAX_LINE_CHARS * 4;
/**
 * Bytes of a call's stderr looked at for lines: ample for the lines it may send, and what bounds the
 * work a flood of blank lines (which send nothing) costs the guest's thread.
 */
const MAX_SCANNED_BYTES = 1024 * 1024;

const decoder = new TextDecoder();

/**
 * A guest's stderr during a call: every byte goes to the call's bounded capture (the call log and a
 * failed call's result), and each complete, non-blank line is also handed to `send` at once, so the
 * client that made the call reads it while the call runs. Bounded per call by MAX_STREAMED_LINES and
 * MAX_LINE_CHARS (and MAX_SCANNED_BYTES); what goes past a limit is dropped from the stream, which says so once.
 */
export class StderrLines implements ByteSink {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #sent = 0;
  #scanned = 0;
  #full = false;

  constructor(
    readonly capture: BoundedCapture,
    readonly send: (line: string) => void,
  ) {}

  write(bytes: Uint8Array): void {
    this.capture.write(bytes);
    if (this.#full) return;
    const room = MAX_SCANNED_BYTES - this.#scanned;
    const part = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.#scanned += part.length;
    let start = 0;
    for (let nl = part.indexOf(10, start); nl >= 0 && !this.#full; nl = part.indexOf(10, start)) {
      if (nl > start) this.#keep(part.subarray(start, nl));
      this.#flush();
      start = nl + 1;
    }
    if (this.#full) return;
    if (start < part.length) this.#keep(part.subarray(start));
    if (part.length < bytes.length) this.#stop();
  }

  /** The call ended: a last line without its newline is sent, and the next call starts its own count. */
  endCall(): void {
    if (!this.#full) this.#flush();
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#sent = 0;
    this.#scanned = 0;
    this.#full = false;
  }

  take(): { text: string; dropped: number } {
    return this.capture.take();
  }

  #keep(part: Uint8Array): void {
    const room = MAX_PENDING_BYTES - this.#pendingBytes;
    if (room <= 0 || part.length === 0) return;
    // A copy: the guest's memory behind `part` changes once the write returns.
    const kept = part.slice(0, room);
    this.#pending.push(kept);
    this.#pendingBytes += kept.length;
  }

  #flush(): void {
    if (this.#pendingBytes === 0) return;
    let line = decoder.decode(Buffer.concat(this.#pending)).replace(/\r$/, '');
    this.#pending = [];
    this.#pendingBytes = 0;
    if (!line.trim()) return;
    if (line.length > MAX_LINE_CHARS) line = `${line.slice(0, MAX_LINE_CHARS)}… (line cut at ${MAX_LINE_CHARS} characters)`;
    if (this.#sent === MAX_STREAMED_LINES) {
      this.#stop();
      return;
    }
    this.#sent += 1;
    this.send(line);
  }

  /** Past a bound: the rest of the call's stderr goes to the call log only, which the client is told once. */
  #stop(): void {
    this.#full = true;
    this.send(
      `(more stderr of this call is not sent: ${MAX_STREAMED_LINES} lines or ${MAX_SCANNED_BYTES / 1024 / 1024} MiB a call at most; the call log keeps it)`,
    );
  }
}
