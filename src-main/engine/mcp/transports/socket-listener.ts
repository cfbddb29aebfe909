import { chmodSync, lstatSync, type Stats, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Another process answers on the socket path: two Welds must not share one endpoint. */
export class EndpointInUseError extends Error {}

export interface SocketListener {
  path: string;
  server: Server;
  /** Stops accepting connections and removes the socket file if it is still ours. */
  close(): Promise<void>;
}

const isPipe = (path: string) => path.startsWith('\\\\.\\pipe\\') || path.startsWith('\\\\?\\pipe\\');

/**
 * Listens on a Unix domain socket (or a Windows named pipe) that only this user can open.
 * The file is created under umask 0177, so it is never wider than 0600, not even between bind and chmod.
 * An existing socket file is replaced only when nothing answers on it (a stale file from a crash);
 * a live listener, or a path that is not a socket, is refused rather than taken over.
 */
export async function listenSocket(path: string, onConnection: (socket: Socket) => void): Promise<SocketListener> {
  const pipe = isPipe(path);
  if (!pipe) await clearStaleSocket(path);
  const server = createServer({ pauseOnConnect: false }, onConnection);
  const previousMask = pipe ? null : process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new EndpointInUseError(`another process is already listening on ${path}`);
    throw new Error(`cannot listen on ${path}: ${(err as Error).message}`);
  } finally {
    if (previousMask !== null) process.umask(previousMask);
  }
  let ours: Stats | null = null;
  if (!pipe) {
    chmodSync(path, 0o600);
    ours = statSync(path);
  }
  return {
    path,
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ours) removeIfSame(path, ours);
    },
  };
}

async function clearStaleSocket(path: string): Promise<void> {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new EndpointInUseError(`${path} exists and is not a socket; refusing to replace it`);
  if (await answers(path)) throw new EndpointInUseError(`another Weld is already serving on ${path}`);
  // Between the probe and here another server could have bound a fresh file: only remove the one we probed.
  removeIfSame(path, st);
}

function removeIfSame(path: string, st: Stats): void {
  try {
    const now = lstatSync(path);
    if (now.ino === st.ino && now.dev === st.dev) unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    const done = (alive: boolean) => {
      probe.destroy();
      resolve(alive);
    };
    probe.setTimeout(1000, () => done(true));
    probe.once('connect', () => done(true));
    // ECONNREFUSED means a file without a listener: stale. Other errors (EACCES) leave the file alone.
    probe.once('error', (err: NodeJS.ErrnoException) => done(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'));
  });
}
