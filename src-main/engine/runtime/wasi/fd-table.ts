import { closeSync } from 'node:fs';

/**
 * The host file descriptors one instance holds, mirrored into memory the engine can read.
 *
 * File descriptors belong to the process, not to the worker thread that opened them: when the
 * engine terminates a runaway guest's worker, whatever it had open stays open. The worker writes
 * each fd into a SharedArrayBuffer slot after opening it and clears the slot before closing it, so
 * once the worker is dead every listed fd is still open and still its own (never a number some
 * other thread has since reused) and the engine can close them with closeLeftoverFds.
 */

/** Most host fds one instance may hold at once; also the slot count of the shared table. */
export const MAX_OPEN_FDS = 512;

/** Bytes of SharedArrayBuffer the engine allocates per instance for the table. */
export const FD_TABLE_BYTES = MAX_OPEN_FDS * Int32Array.BYTES_PER_ELEMENT;

export class FdTable {
  readonly #slots: Int32Array;
  readonly #slotOf = new Map<number, number>();
  readonly #free: number[];

  constructor(shared?: SharedArrayBuffer) {
    if (shared && shared.byteLength < FD_TABLE_BYTES)
      throw new TypeError(`filesystem: the fd table needs ${FD_TABLE_BYTES} bytes, got ${shared.byteLength}`);
    this.#slots = new Int32Array(shared ?? new ArrayBuffer(FD_TABLE_BYTES), 0, MAX_OPEN_FDS);
    this.#free = Array.from({ length: MAX_OPEN_FDS }, (_, i) => MAX_OPEN_FDS - 1 - i);
  }

  get size(): number {
    return this.#slotOf.size;
  }

  /** Throws 'quota' when the instance already holds as many fds as it may. */
  room(): void {
    if (this.#free.length === 0) throw 'quota';
  }

  /** Records an fd that was just opened. */
  add(fd: number): void {
    const slot = this.#free.pop();
    if (slot === undefined) {
      closeSync(fd);
      throw 'quota';
    }
    // fd + 1: a zeroed buffer means "nothing open", and 0 is a valid fd.
    Atomics.store(this.#slots, slot, fd + 1);
    this.#slotOf.set(fd, slot);
  }

  /** Closes an fd this table holds; the slot is cleared first, so a dead worker never lists a closed fd. */
  close(fd: number): void {
    const slot = this.#slotOf.get(fd);
    if (slot === undefined) return;
    Atomics.store(this.#slots, slot, 0);
    this.#slotOf.delete(fd);
    this.#free.push(slot);
    closeSync(fd);
  }

  closeAll(): void {
    for (const fd of [...this.#slotOf.keys()]) this.close(fd);
  }
}

/**
 * Engine side, only after the instance's worker has exited (await worker.terminate()): closes the
 * fds it left open and returns how many there were.
 */
export function closeLeftoverFds(shared: SharedArrayBuffer): number {
  const slots = new Int32Array(shared, 0, Math.min(MAX_OPEN_FDS, shared.byteLength >> 2));
  let closed = 0;
  for (let i = 0; i < slots.length; i++) {
    const v = Atomics.exchange(slots, i, 0);
    if (v <= 0) continue;
    try {
      closeSync(v - 1);
      closed++;
    } catch {
      // Already gone (EBADF): nothing left to release.
    }
  }
  return closed;
}
