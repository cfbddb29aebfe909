import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db.js';
import { type ReadReply, type ReadRequest, readOps } from './read-ops.js';

// A read-only connection of its own: WAL lets it read while the engine's connection writes.
const ops = readOps(openDatabase((workerData as { path: string }).path, { readonly: true }));
const port = parentPort;
if (!port) throw new Error('the store reader runs as a worker thread');

port.on('message', ({ id, op, arg }: ReadRequest) => {
  let reply: ReadReply;
  try {
    reply = { id, value: (ops[op] as (a: unknown) => unknown)(arg) };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
