import { Worker } from 'node:worker_threads';
import { workerScript } from '../worker-script.js';
import type { ReadOp, ReadOps, ReadReply, ReadRequest } from './read-ops.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * Runs the UI's whole-log reads (see read-ops.ts) on a worker thread with its own read-only connection.
 * better-sqlite3 is synchronous: on the engine's thread a search through 600,000 calls held every tool
 * call for 0.6-0.8 s. The thread starts on the first read and is started again if it dies.
 */
interface Thread {
  worker: Worker;
  /** Reads sent to this thread: if it dies, these fail and the next read starts a new one. */
  pending: Map<number, Pending>;
}

export class StoreReader {
  #thread: Thread | undefined;
  #nextId = 1;

  constructor(private readonly dbPath: string) {}

  read<K extends ReadOp>(op: K, arg: Parameters<ReadOps[K]>[0]): Promise<ReturnType<ReadOps[K]>> {
    this.#thread ??= this.#start();
    const thread = this.#thread;
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      thread.worker.postMessage({ id, op, arg } satisfies ReadRequest);
    });
  }

  async close(): Promise<void> {
    const thread = this.#thread;
    this.#thread = undefined;
    await thread?.worker.terminate();
  }

  #start(): Thread {
    const script = workerScript('store-reader');
    const worker = new Worker(script.source, { eval: script.eval, workerData: { path: this.dbPath } });
    // Reads are for a person looking at the UI: they never keep the process alive by themselves.
    worker.unref();
    const thread: Thread = { worker, pending: new Map() };
    worker.on('message', (reply: ReadReply) => {
      const pending = thread.pending.get(reply.id);
      thread.pending.delete(reply.id);
      if ('error' in reply) pending?.reject(new Error(reply.error));
      else pending?.resolve(reply.value);
    });
    const fail = (why: string) => {
      if (this.#thread === thread) this.#thread = undefined;
      for (const p of thread.pending.values()) p.reject(new Error(why));
      thread.pending.clear();
    };
    worker.on('error', (err) => fail(`the database reader failed: ${err.message}`));
    worker.on('exit', () => fail('the database reader stopped'));
    return thread;
  }
}
