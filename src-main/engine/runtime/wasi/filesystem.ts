import { createHash, randomBytes } from 'node:crypto';
import {
  type BigIntStats,
  closeSync,
  constants,
  type Dirent,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  futimesSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { posix } from 'node:path';
import type { HostBridge } from '../host-bridge.js';
import type { Mount } from '../sandbox.js';
import { type Access, FsPolicy, type MountState } from './fs-access.js';
import { at, checkGuestPath, childPath, type Dir, openDir, PINNED, realOf, type Walked, walk } from './fs-beneath.js';
import { FileIoError, type FsErrorCode, Refusal, toErrorCode } from './fs-errors.js';
import { type ByteSink, type ByteSource, CLOSED, InputStream, OutputStream, type StreamError } from './streams.js';

/**
 * wasi:filesystem (types + preopens) for one sandboxed instance, enforcing its sandbox plan.
 *
 * Rules, each one a guard against a way the stock shim lets a guest out:
 * - only mounts are visible; paths are relative to a descriptor and may not climb above it; an
 *   absolute path or symlink target is refused ('not-permitted');
 * - paths are resolved here, step by step beneath an open directory (fs-beneath.ts), and after
 *   every open the descriptor's real path must be the one that was authorized, so a directory
 *   swapped for a symlink mid-call is caught;
 * - the innermost mount containing a real path decides read/write; a deny glob wins over any mount;
 * - a guest may never create a symlink, nor move or link one into another directory: a relative
 *   link pointing inside the mount can point outside once it sits in a shallower directory, and the
 *   user's own programs would follow it (this walk never does). Moving a whole directory that holds
 *   such a link can still re-aim it; only the guest's own accesses are guaranteed to stay inside;
 * - a hard link or rename needs write access at both ends, so read-only data cannot be relinked
 *   into a writable mount, and a directory carrying a deny rule or another mount may not be moved;
 * - access beyond the grant asks the engine once per mount and access (just-in-time); under a
 *   checkEach mount (grants narrower than the directory) every path is put to the engine once;
 *   every decision is reported for the audit log, one notification per path operation.
 */

type DescriptorType =
  | 'unknown'
  | 'block-device'
  | 'character-device'
  | 'directory'
  | 'fifo'
  | 'symbolic-link'
  | 'regular-file'
  | 'socket';

export interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  fileIntegritySync?: boolean;
  dataIntegritySync?: boolean;
  requestedWriteSync?: boolean;
  mutateDirectory?: boolean;
}
export interface PathFlags {
  symlinkFollow?: boolean;
}
export interface OpenFlags {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}
export interface Datetime {
  seconds: bigint;
  nanoseconds: number;
}
export type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: Datetime };
export interface DescriptorStat {
  type: DescriptorType;
  linkCount: bigint;
  size: bigint;
  dataAccessTimestamp?: Datetime;
  dataModificationTimestamp?: Datetime;
  statusChangeTimestamp?: Datetime;
}
export interface DirectoryEntry {
  type: DescriptorType;
  name: string;
}
export interface MetadataHashValue {
  lower: bigint;
  upper: bigint;
}
const ADVICE = new Set(['normal', 'sequential', 'random', 'will-need', 'dont-need', 'no-reuse']);

/** Host fds one instance may hold at once. */
export const MAX_OPEN_FDS = 512;
/** A guest asking to read 4 GiB in one call gets a short read, not a 4 GiB host allocation. */
const MAX_READ = 1 << 20;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
// Opening a FIFO would otherwise block the instance's thread until some other process writes to it.
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Per-instance state shared by every descriptor: the policy and what must be closed at the end. */
class Host {
  /**
   * Host fds this instance holds. If its worker is killed, Node closes them (Worker option
   * trackUnmanagedFds, on by default); closeAll is for an instance discarded while its thread lives.
   */
  readonly fds = new Set<number>();
  readonly secret = randomBytes(16);
  /** closeAll ran: every descriptor of this instance is dead, even the preopens. */
  ended = false;
  constructor(readonly policy: FsPolicy) {}

  /** fds belong to the whole process: one guest must not starve the engine (and every other tool) of them. */
  room(): void {
    if (this.fds.size >= MAX_OPEN_FDS) throw 'quota';
  }
  close(fd: number): void {
    if (this.fds.delete(fd)) closeSync(fd);
  }
  closeAll(): void {
    for (const fd of [...this.fds]) this.close(fd);
  }

  /** Runs one guest call: refusals go to the audit log, every failure leaves as an error-code. */
  run<T>(access: Access, display: () => string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof Refusal) this.policy.audit(err.target ?? display(), access, 'denied', err.why, err.asked);
      throw toErrorCode(err);
    }
  }
}

interface State {
  host: Host;
  mount: MountState;
  directory: boolean;
  type: DescriptorType;
  /** -1 for a preopen not opened yet, a closed descriptor, or a directory where no /proc pins it. */
  fd: number;
  /** Host path it was opened at (real path); the mount's hostPath for a preopen. */
  path: string;
  flags: DescriptorFlags;
  preopen: boolean;
  closed: boolean;
}

type Kind = Pick<
  Dirent,
  'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'
>;

function typeOf(st: Kind): DescriptorType {
  if (st.isFile()) return 'regular-file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symbolic-link';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  return 'unknown';
}

const NS = 1_000_000_000n;
const datetime = (ns: bigint): Datetime => ({ seconds: ns / NS, nanoseconds: Number(ns % NS) });

function toStat(st: BigIntStats): DescriptorStat {
  return {
    type: typeOf(st),
    linkCount: st.nlink,
    size: st.size,
    dataAccessTimestamp: datetime(st.atimeNs),
    dataModificationTimestamp: datetime(st.mtimeNs),
    statusChangeTimestamp: datetime(st.ctimeNs),
  };
}

/** A guest offset or size as a safe host number. */
function position(value: unknown): number {
  if (typeof value !== 'bigint' || value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw 'invalid';
  return Number(value);
}

/** Seconds for utimes, from a guest timestamp or the current value. */
function seconds(ts: NewTimestamp, currentNs: bigint): number {
  switch (ts?.tag) {
    case 'no-change':
      return Number(currentNs) / 1e9;
    case 'now':
      return Date.now() / 1000;
    case 'timestamp': {
      const { seconds: s, nanoseconds: n } = ts.val ?? {};
      if (typeof s !== 'bigint' || typeof n !== 'number' || n < 0 || n >= 1e9) throw 'invalid';
      return Number(s) + n / 1e9;
    }
    default:
      throw 'invalid';
  }
}

const streamFailure = (err: unknown, what: string): StreamError => {
  let code: FsErrorCode;
  try {
    code = toErrorCode(err);
  } catch {
    code = 'io';
  }
  return { tag: 'last-operation-failed', val: new FileIoError(`${what}: ${code}`, code) };
};

export class Descriptor {
  readonly #s: State;

  /** Host-only: the glue never constructs descriptors, it receives them from openAt and preopens. */
  constructor(state: State) {
    this.#s = state;
  }

  static #state(d: unknown): State {
    if (!(d instanceof Descriptor)) throw 'bad-descriptor';
    return d.#s;
  }

  #live(): State {
    if (this.#s.closed || this.#s.host.ended) throw 'bad-descriptor';
    return this.#s;
  }

  #file(): State {
    const s = this.#live();
    if (s.directory) throw 'is-directory';
    return s;
  }

  #display(path: unknown): string {
    const s = this.#s;
    if (typeof path !== 'string') return s.path;
    // An absolute guest path is reported as the guest wrote it: that is the host path it was after.
    return path.startsWith('/') ? posix.normalize(path) : posix.join(s.path, path);
  }

  /** This directory, open (a preopen opens on first use), and where it really is now. */
  #dir(): { dir: Dir; real: string } {
    const s = this.#live();
    if (!s.directory) throw 'not-directory';
    if (s.preopen) {
      const root = s.host.policy.realRoot(s.mount);
      if (s.fd < 0 && PINNED) {
        s.host.room();
        const d = openDir(root);
        s.host.fds.add(d.fd);
        s.fd = d.fd;
      }
      const real = realOf(s.fd, root);
      if (real !== root) throw new Refusal('not-permitted', 'the mount directory has moved', real);
      return { dir: { fd: s.fd, path: root }, real };
    }
    return { dir: { fd: s.fd, path: s.path }, real: realOf(s.fd, s.path) };
  }

  /** Resolves `path` beneath this directory and authorizes `access` on what it names. */
  #walk(access: Access, follow: boolean, path: string): Walked {
    const s = this.#live();
    const { policy } = s.host;
    checkGuestPath(path);
    policy.gate(s.mount, access, this.#display(path));
    const { dir, real } = this.#dir();
    const w = walk(dir, real, path, {
      follow,
      boundary: policy.realRoot(s.mount),
      enter: (r) => {
        if (policy.isDenied(r)) throw new Refusal('access', 'a deny rule covers this path', r);
      },
    });
    try {
      policy.authorize(s.mount, w.real, access);
      return w;
    } catch (err) {
      w.release();
      throw err;
    }
  }

  #at<T>(access: Access, follow: boolean, path: string, fn: (w: Walked) => T): T {
    return this.#s.host.run(
      access,
      () => this.#display(path),
      () => {
        const w = this.#walk(access, follow, path);
        try {
          return fn(w);
        } finally {
          w.release();
        }
      },
    );
  }

  /** Stats of this descriptor itself; a preopen is only looked at once the mount allows it. */
  #stats(authorize: boolean): BigIntStats {
    const s = this.#live();
    if (s.preopen) {
      return s.host.run(
        'read',
        () => s.path,
        () => {
          const { dir, real } = this.#dir();
          if (authorize) s.host.policy.authorize(s.mount, real, 'read');
          return dir.fd >= 0 ? fstatSync(dir.fd, { bigint: true }) : statSync(dir.path, { bigint: true });
        },
      );
    }
    try {
      return s.fd >= 0 ? fstatSync(s.fd, { bigint: true }) : statSync(s.path, { bigint: true });
    } catch (err) {
      throw toErrorCode(err);
    }
  }

  #hash(st: BigIntStats): MetadataHashValue {
    const digest = createHash('sha256')
      .update(this.#s.host.secret)
      .update(`${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`)
      .digest();
    return { lower: digest.readBigUInt64LE(0), upper: digest.readBigUInt64LE(8) };
  }

  readViaStream(offset: bigint): InputStream {
    const s = this.#file();
    if (!s.flags.read) throw 'bad-descriptor';
    return new InputStream(fileSource(s, position(offset)));
  }

  writeViaStream(offset: bigint): OutputStream {
    const s = this.#file();
    if (!s.flags.write) throw 'bad-descriptor';
    return new OutputStream(fileSink(s, position(offset), false));
  }

  appendViaStream(): OutputStream {
    const s = this.#file();
    if (!s.flags.write) throw 'bad-descriptor';
    return new OutputStream(fileSink(s, 0, true));
  }

  /** Advice is a hint and Node has no posix_fadvise: checked, then ignored. */
  advise(offset: bigint, length: bigint, advice: string): void {
    const s = this.#live();
    if (s.directory) throw 'bad-descriptor';
    position(offset);
    position(length);
    if (!ADVICE.has(advice)) throw 'invalid';
  }

  syncData(): void {
    this.#sync(fdatasyncSync);
  }

  sync(): void {
    this.#sync(fsyncSync);
  }

  #sync(fn: (fd: number) => void): void {
    const s = this.#live();
    if (s.fd < 0) return;
    try {
      fn(s.fd);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Syncing something that cannot be synced (read-only fd, some directories) is a no-op in WASI.
      if (code === 'EINVAL' || code === 'EPERM' || code === 'EBADF' || code === 'EROFS') return;
      throw toErrorCode(err);
    }
  }

  getFlags(): DescriptorFlags {
    return { ...this.#live().flags };
  }

  getType(): DescriptorType {
    return this.#live().type;
  }

  setSize(size: bigint): void {
    const s = this.#file();
    if (!s.flags.write) throw 'bad-descriptor';
    const n = position(size);
    try {
      ftruncateSync(s.fd, n);
    } catch (err) {
      throw toErrorCode(err);
    }
  }

  setTimes(atime: NewTimestamp, mtime: NewTimestamp): void {
    const s = this.#live();
    s.host.run(
      'write',
      () => s.path,
      () => {
        const { dir, real } = s.directory ? this.#dir() : { dir: { fd: s.fd, path: s.path }, real: realOf(s.fd, s.path) };
        const { fd, path } = dir;
        s.host.policy.authorize(s.mount, real, 'write');
        const st = fd >= 0 ? fstatSync(fd, { bigint: true }) : statSync(path, { bigint: true });
        const a = seconds(atime, st.atimeNs);
        const m = seconds(mtime, st.mtimeNs);
        if (fd >= 0) futimesSync(fd, a, m);
        else utimesSync(path, a, m);
      },
    );
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const s = this.#file();
    if (!s.flags.read) throw 'bad-descriptor';
    const pos = position(offset);
    const len = Math.min(position(length), MAX_READ);
    const buf = new Uint8Array(len);
    let n: number;
    try {
      n = len === 0 ? 0 : readSync(s.fd, buf, 0, len, pos);
    } catch (err) {
      throw toErrorCode(err);
    }
    return [buf.subarray(0, n), len > 0 && n < len];
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    const s = this.#file();
    if (!s.flags.write) throw 'bad-descriptor';
    if (!(buffer instanceof Uint8Array)) throw 'invalid';
    const pos = position(offset);
    try {
      return BigInt(writeAll(s.fd, buffer, pos));
    } catch (err) {
      throw toErrorCode(err);
    }
  }

  readDirectory(): DirectoryEntryStream {
    const s = this.#live();
    return s.host.run(
      'read',
      () => s.path,
      () => {
        const { dir, real } = this.#dir();
        s.host.policy.authorize(s.mount, real, 'read');
        // Read in one go rather than through an open Dir: its fd would be invisible to the fd table
        // and leak if the worker were killed mid-listing. The worker's heap limit bounds a huge directory.
        return new DirectoryEntryStream(s, readdirSync(at(dir), { withFileTypes: true }), real);
      },
    );
  }

  createDirectoryAt(path: string): void {
    this.#at('write', false, path, (w) => {
      if (w.name === null) throw 'exist';
      mkdirSync(at(w.dir, w.name));
    });
  }

  stat(): DescriptorStat {
    return toStat(this.#stats(true));
  }

  statAt(pathFlags: PathFlags, path: string): DescriptorStat {
    return this.#at('read', !!pathFlags?.symlinkFollow, path, (w) => toStat(statOf(w)));
  }

  setTimesAt(pathFlags: PathFlags, path: string, atime: NewTimestamp, mtime: NewTimestamp): void {
    this.#at('write', !!pathFlags?.symlinkFollow, path, (w) => {
      const st = statOf(w);
      const a = seconds(atime, st.atimeNs);
      const m = seconds(mtime, st.mtimeNs);
      if (w.name !== null) lutimesSync(at(w.dir, w.name), a, m);
      else if (w.dir.fd >= 0) futimesSync(w.dir.fd, a, m);
      else utimesSync(w.dir.path, a, m);
    });
  }

  linkAt(oldPathFlags: PathFlags, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    const s = this.#live();
    s.host.run(
      'write',
      () => this.#display(newPath),
      () => {
        Descriptor.#state(newDescriptor);
        // Both ends need write: a link from a read-only mount into a writable one would make the data writable.
        const from = this.#walk('write', !!oldPathFlags?.symlinkFollow, oldPath);
        try {
          const to = newDescriptor.#walk('write', false, newPath);
          try {
            if (from.name === null) throw 'not-permitted';
            if (to.name === null) throw 'exist';
            const source = at(from.dir, from.name);
            if (lstatSync(source).isSymbolicLink() && from.realDir !== to.realDir) throw symlinkMove(from.real);
            linkSync(source, at(to.dir, to.name));
          } finally {
            to.release();
          }
        } finally {
          from.release();
        }
      },
    );
  }

  openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
    const o = openFlags ?? {};
    const f = flags ?? {};
    // Read and write are separate grants: a read+write open of a write-only path must not read.
    const writes = !!(f.write || o.create || o.truncate);
    const reads = !f.write || !!f.read;
    return this.#at(writes ? 'write' : 'read', !!pathFlags?.symlinkFollow, path, (w) => {
      const s = this.#s;
      if (writes && reads) s.host.policy.authorize(s.mount, w.real, 'read');
      let mode = f.write ? (f.read ? constants.O_RDWR : constants.O_WRONLY) : constants.O_RDONLY;
      mode |= O_NONBLOCK;
      if (o.create) mode |= constants.O_CREAT;
      if (o.exclusive) mode |= constants.O_EXCL;
      if (o.directory || w.mustBeDir) mode |= O_DIRECTORY;
      if (f.fileIntegritySync) mode |= constants.O_SYNC;
      if (f.dataIntegritySync) mode |= constants.O_DSYNC;
      if (w.name === null && o.create && o.exclusive) throw 'exist';
      // The magic /proc link of the directory itself must be followed; a named entry never is (walk expanded it).
      if (w.name !== null) mode |= O_NOFOLLOW;
      const target = w.name === null ? at(w.dir) : at(w.dir, w.name);
      if (!PINNED && w.name !== null && lstatSync(target, { throwIfNoEntry: false })?.isDirectory()) {
        // Without /proc there is nothing to pin a directory with (and Windows cannot open one).
        if (f.write) throw 'is-directory';
        return new Descriptor({ ...childState(s, -1, w.real, f), directory: true, type: 'directory' });
      }
      s.host.room();
      // Creating is the one effect that happens before the check below can run: look once more, right before.
      if (o.create && w.dir.fd >= 0 && realOf(w.dir.fd, w.dir.path) !== w.realDir)
        throw new Refusal('access', 'the directory moved while the path was resolved', w.realDir);
      const fd = openSync(target, mode, 0o666);
      s.host.fds.add(fd);
      try {
        const real = realOf(fd, target);
        if (real !== w.real) throw new Refusal('access', 'the file changed while it was opened', real);
        const st = fstatSync(fd);
        const directory = st.isDirectory();
        if (directory && f.write) throw 'is-directory';
        if (!directory && o.directory) throw 'not-directory';
        // Truncating only now, once the descriptor is known to be the authorized file.
        if (o.truncate && !directory) ftruncateSync(fd, 0);
        return new Descriptor({ ...childState(s, fd, real, f), directory, type: typeOf(st) });
      } catch (err) {
        s.host.close(fd);
        throw err;
      }
    });
  }

  readlinkAt(path: string): string {
    return this.#at('read', false, path, (w) => {
      if (w.name === null) throw 'invalid';
      const target = readlinkSync(at(w.dir, w.name));
      if (target.startsWith('/')) throw 'not-permitted';
      return target;
    });
  }

  removeDirectoryAt(path: string): void {
    this.#at('write', false, path, (w) => {
      if (w.name === null) throw 'invalid';
      rmdirSync(at(w.dir, w.name));
    });
  }

  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    const s = this.#live();
    s.host.run(
      'write',
      () => this.#display(oldPath),
      () => {
        Descriptor.#state(newDescriptor);
        const from = this.#walk('write', false, oldPath);
        try {
          const to = newDescriptor.#walk('write', false, newPath);
          try {
            if (from.name === null || to.name === null) throw 'invalid';
            const source = at(from.dir, from.name);
            const st = lstatSync(source);
            if (st.isDirectory() && !s.host.policy.mayMoveDirectory(from.real))
              throw new Refusal('access', 'a deny rule or another mount is anchored inside this directory', from.real);
            if (st.isSymbolicLink() && from.realDir !== to.realDir) throw symlinkMove(from.real);
            renameSync(source, at(to.dir, to.name));
          } finally {
            to.release();
          }
        } finally {
          from.release();
        }
      },
    );
  }

  symlinkAt(oldPath: string, newPath: string): void {
    const s = this.#live();
    s.host.run(
      'write',
      () => this.#display(newPath),
      () => {
        checkGuestPath(newPath);
        if (typeof oldPath !== 'string') throw 'invalid';
        throw new Refusal('not-permitted', 'guests may not create symlinks');
      },
    );
  }

  unlinkFileAt(path: string): void {
    this.#at('write', false, path, (w) => {
      if (w.name === null || w.mustBeDir) throw 'is-directory';
      unlinkSync(at(w.dir, w.name));
    });
  }

  isSameObject(other: Descriptor): boolean {
    try {
      Descriptor.#state(other);
      const a = this.#stats(false);
      const b = other.#stats(false);
      return a.dev === b.dev && a.ino === b.ino;
    } catch {
      return false;
    }
  }

  metadataHash(): MetadataHashValue {
    return this.#hash(this.#stats(true));
  }

  metadataHashAt(pathFlags: PathFlags, path: string): MetadataHashValue {
    return this.#at('read', !!pathFlags?.symlinkFollow, path, (w) => this.#hash(statOf(w)));
  }

  /** Called by the glue when the guest drops its handle. A preopen stays usable: getDirectories hands it out again. */
  [Symbol.dispose](): void {
    const s = this.#s;
    if (s.preopen || s.closed) return;
    s.closed = true;
    if (s.fd >= 0) s.host.close(s.fd);
    s.fd = -1;
  }
}

/**
 * A relative symlink means something else in another directory: moved to a shallower one, a link
 * that pointed inside the mount can point outside it, a trap for the user's own programs.
 */
const symlinkMove = (real: string) => new Refusal('not-permitted', 'a symlink may not move to another directory', real);

function childState(parent: State, fd: number, real: string, flags: DescriptorFlags): State {
  return {
    host: parent.host,
    mount: parent.mount,
    directory: false,
    type: 'unknown',
    fd,
    path: real,
    flags: {
      read: !!flags.read,
      write: !!flags.write,
      fileIntegritySync: !!flags.fileIntegritySync,
      dataIntegritySync: !!flags.dataIntegritySync,
      requestedWriteSync: !!flags.requestedWriteSync,
      mutateDirectory: !!flags.mutateDirectory,
    },
    preopen: false,
    closed: false,
  };
}

function statOf(w: Walked): BigIntStats {
  if (w.name !== null) return lstatSync(at(w.dir, w.name), { bigint: true });
  return w.dir.fd >= 0 ? fstatSync(w.dir.fd, { bigint: true }) : statSync(w.dir.path, { bigint: true });
}

function writeAll(fd: number, bytes: Uint8Array, pos: number): number {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, pos + done);
  return done;
}

/** Reads a file from `offset` on; a stream outliving its descriptor fails instead of reading a reused fd. */
function fileSource(s: State, offset: number): ByteSource {
  let pos = offset;
  return {
    read(max) {
      if (s.closed || s.host.ended) throw streamFailure('bad-descriptor', 'read');
      if (max === 0) return new Uint8Array(0);
      const buf = new Uint8Array(max);
      let n: number;
      try {
        n = readSync(s.fd, buf, 0, max, pos);
      } catch (err) {
        throw streamFailure(err, 'read');
      }
      if (n === 0) throw CLOSED;
      pos += n;
      return buf.subarray(0, n);
    },
  };
}

function fileSink(s: State, offset: number, append: boolean): ByteSink {
  let pos = offset;
  return {
    write(bytes) {
      if (s.closed || s.host.ended) throw streamFailure('bad-descriptor', 'write');
      try {
        if (append) pos = fstatSync(s.fd).size;
        pos += writeAll(s.fd, bytes, pos);
      } catch (err) {
        throw streamFailure(err, 'write');
      }
    },
  };
}

export class DirectoryEntryStream {
  readonly #s: State;
  #entries: Dirent[];
  #next = 0;
  readonly #real: string;

  constructor(state: State, entries: Dirent[], real: string) {
    this.#s = state;
    this.#entries = entries;
    this.#real = real;
  }

  /** Entries a deny rule covers are left out: the guest cannot even learn that they exist. */
  readDirectoryEntry(): DirectoryEntry | undefined {
    const { host } = this.#s;
    if (host.ended) return undefined;
    while (this.#next < this.#entries.length) {
      const entry = this.#entries[this.#next++];
      if (host.policy.isDenied(childPath(this.#real, entry.name))) continue;
      return { type: typeOf(entry), name: entry.name };
    }
    this.#entries = [];
    return undefined;
  }

  [Symbol.dispose](): void {
    this.#entries = [];
  }
}

export interface FilesystemContext {
  mounts: Mount[];
  denyGlobs: string[];
  /** Denied as the paths themselves only, not what lies beneath them. */
  denyExact?: string[];
  /** Write-only deny globs: they keep a directory from being renamed out from under them. */
  moveGuards?: string[];
  bridge: HostBridge;
}

export interface WasiFilesystem {
  preopens: { getDirectories(): [Descriptor, string][] };
  types: {
    Descriptor: typeof Descriptor;
    DirectoryEntryStream: typeof DirectoryEntryStream;
    filesystemErrorCode(err: unknown): string | undefined;
  };
  /** Closes every host descriptor this instance still holds (fds belong to the whole process, not the worker). */
  closeAll(): void;
  /** A call ended: the refusals it got are not carried into the next one. */
  endCall(): void;
}

export function createFilesystem(ctx: FilesystemContext): WasiFilesystem {
  const policy = new FsPolicy(ctx.mounts, ctx.denyGlobs, ctx.bridge, ctx.denyExact ?? [], ctx.moveGuards ?? []);
  const host = new Host(policy);
  const roots: [Descriptor, string][] = policy.mounts.map((m) => [
    new Descriptor({
      host,
      mount: m,
      directory: true,
      type: 'directory',
      fd: -1,
      path: m.mount.hostPath,
      flags: { read: true, mutateDirectory: m.mount.write },
      preopen: true,
      closed: false,
    }),
    m.mount.guestPath,
  ]);
  return {
    preopens: { getDirectories: () => [...roots] },
    types: {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: (err) => (err instanceof FileIoError ? err.code : undefined),
    },
    closeAll() {
      host.ended = true;
      host.closeAll();
    },
    endCall: () => policy.endCall(),
  };
}
