import {
  linkSync,
  lstatSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  type Stats,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * One long-running Weld per data dir: the tray app or `weld serve` with a socket or UI holds
 * `instance.json` there for as long as it runs. A second one is refused with what the first one
 * serves, instead of both fighting over the socket. Short-lived commands (`weld call`, `weld serve
 * --stdio` spawned by a client) share the data dir without it.
 */
export interface InstanceInfo {
  pid: number;
  /** The process image, so a pid reused by an unrelated program after a crash is not taken for Weld. */
  exe: string;
  shell: 'electron' | 'web';
  /** The web UI address (with its token; the file is 0600 in the 0700 data dir), or null. */
  ui: string | null;
  socket: string | null;
  startedAt: string;
}

export class InstanceRunningError extends Error {
  constructor(
    readonly home: string,
    readonly running: InstanceInfo,
  ) {
    super(`a Weld is already running for ${home}: ${describeInstance(running)}. Use it, or stop it first.`);
    this.name = 'InstanceRunningError';
  }
}

/** "pid 123, UI at http://…" as a person reads it in an error or in `weld doctor`. */
export function describeInstance(i: InstanceInfo): string {
  const ui = i.ui ? `UI at ${i.ui}` : i.shell === 'electron' ? 'the desktop app (open it from the tray)' : 'no UI';
  return `pid ${i.pid}, ${ui}${i.socket ? `, MCP socket ${i.socket}` : ''}`;
}

export interface InstanceLock {
  readonly path: string;
  /** Records what this instance serves once it is known (the UI URL exists only after listening). */
  update(patch: Partial<Pick<InstanceInfo, 'ui' | 'socket'>>): void;
  /** Removes the file if it is still ours; idempotent. */
  release(): void;
}

const fileName = 'instance.json';

export function instancePath(home: string): string {
  return join(home, fileName);
}

/**
 * Takes the data dir for this process or throws InstanceRunningError naming the running one.
 * The file is written in full to a temp name and hard-linked into place: link() fails if the name
 * exists, so of two starting Welds exactly one wins, and a reader never sees half a file.
 */
export function acquireInstanceLock(home: string, info: Pick<InstanceInfo, 'shell' | 'ui' | 'socket'>): InstanceLock {
  const path = instancePath(home);
  let current: InstanceInfo = {
    pid: process.pid,
    exe: process.execPath,
    startedAt: new Date().toISOString(),
    ...info,
  };
  let ours: Stats | null = null;
  for (let attempt = 0; ours === null; attempt++) {
    const tmp = writeTemp(path, current);
    try {
      linkSync(tmp, path);
      ours = lstatSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const existing = readInstance(path);
      if (existing.running) throw new InstanceRunningError(home, existing.running);
      // A crashed Weld's file: remove exactly the one we judged stale, then try again.
      if (attempt >= 2) throw new Error(`cannot take ${path}: it keeps reappearing`);
      if (existing.stat) removeIfSame(path, existing.stat);
    } finally {
      unlinkSync(tmp);
    }
  }
  return {
    path,
    update(patch) {
      if (!ours) return;
      current = { ...current, ...patch };
      const tmp = writeTemp(path, current);
      renameSync(tmp, path);
      ours = lstatSync(path);
    },
    release() {
      if (ours) removeIfSame(path, ours);
      ours = null;
    },
  };
}

/** The Weld holding this data dir, or null when none runs (no file, or one left by a crashed process). */
export function runningInstance(home: string): InstanceInfo | null {
  return readInstance(instancePath(home)).running;
}

function writeTemp(path: string, info: InstanceInfo): string {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  return tmp;
}

function readInstance(path: string): { running: InstanceInfo | null; stat: Stats | null } {
  let stat: Stats;
  let info: InstanceInfo;
  try {
    stat = lstatSync(path);
    info = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // Missing, or not ours to parse (always written whole, so garbage is not a live Weld).
    return { running: null, stat: lstatSafe(path) };
  }
  return { running: isAlive(info) ? info : null, stat };
}

function isAlive(info: InstanceInfo): boolean {
  if (!Number.isInteger(info?.pid) || info.pid <= 0 || info.pid === process.pid) return false;
  try {
    process.kill(info.pid, 0);
  } catch {
    // ESRCH: gone. EPERM: another user's process, so not the Weld that wrote our data dir either.
    return false;
  }
  if (process.platform !== 'linux' || typeof info.exe !== 'string') return true;
  try {
    return readlinkSync(`/proc/${info.pid}/exe`) === realpathSync(info.exe);
  } catch {
    // The recorded binary is gone (upgraded) or /proc is not readable: trust the pid.
    return true;
  }
}

function lstatSafe(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function removeIfSame(path: string, st: Stats): void {
  const now = lstatSafe(path);
  if (now && now.ino === st.ino && now.dev === st.dev) unlinkSync(path);
}
