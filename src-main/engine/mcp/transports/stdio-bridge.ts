import { createConnection } from 'node:net';
import type { Readable, Writable } from 'node:stream';

export type BridgeOutcome = { ok: true } | { ok: false; reason: 'not-running' | 'lost'; message: string };

/**
 * Joins a stdio MCP client to the running Weld's socket. Both sides speak newline-delimited JSON-RPC,
 * so bytes are piped unchanged (with stream backpressure) and Weld validates them as it does for any
 * socket client. Deliberately imports nothing from the engine or the SDK: clients spawn this on every
 * start, and it must be ready in the time Node takes to boot.
 */
export function bridgeStdio(socketPath: string, input: Readable, output: Writable): Promise<BridgeOutcome> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    let connected = false;
    let inputEnded = false;
    socket.once('connect', () => {
      connected = true;
      input.pipe(socket);
      socket.pipe(output, { end: false });
    });
    input.once('end', () => {
      inputEnded = true;
    });
    // The client died (EPIPE on stdout, or stdin broken): that ends the session like closing stdin does.
    const clientGone = () => {
      inputEnded = true;
      socket.destroy();
    };
    input.once('error', clientGone);
    output.once('error', clientGone);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (connected) return;
      const notRunning = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
      resolve({
        ok: false,
        reason: 'not-running',
        message: notRunning
          ? `Weld is not running: nothing is listening on ${socketPath}. Start the Weld app, or run \`weld serve --socket\`.`
          : `cannot connect to Weld at ${socketPath}: ${err.message}`,
      });
    });
    socket.once('close', () => {
      if (!connected) return;
      input.unpipe(socket);
      resolve(
        inputEnded
          ? { ok: true }
          : { ok: false, reason: 'lost', message: 'Weld closed the connection (it was stopped or restarted).' },
      );
    });
  });
}
