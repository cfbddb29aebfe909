import { IoError } from './streams.js';

/** wasi:filesystem `error-code`. The glue passes a thrown string through as the `result` error. */
export type FsErrorCode =
  | 'access'
  | 'would-block'
  | 'already'
  | 'bad-descriptor'
  | 'busy'
  | 'deadlock'
  | 'quota'
  | 'exist'
  | 'file-too-large'
  | 'illegal-byte-sequence'
  | 'in-progress'
  | 'interrupted'
  | 'invalid'
  | 'io'
  | 'is-directory'
  | 'loop'
  | 'too-many-links'
  | 'message-size'
  | 'name-too-long'
  | 'no-device'
  | 'no-entry'
  | 'no-lock'
  | 'insufficient-memory'
  | 'insufficient-space'
  | 'not-directory'
  | 'not-empty'
  | 'not-recoverable'
  | 'unsupported'
  | 'no-tty'
  | 'no-such-device'
  | 'overflow'
  | 'not-permitted'
  | 'pipe'
  | 'read-only'
  | 'invalid-seek'
  | 'text-file-busy'
  | 'cross-device';

const BY_ERRNO: Record<string, FsErrorCode> = {
  EACCES: 'access',
  EAGAIN: 'would-block',
  EWOULDBLOCK: 'would-block',
  EALREADY: 'already',
  EBADF: 'bad-descriptor',
  EBUSY: 'busy',
  EDEADLK: 'deadlock',
  EDQUOT: 'quota',
  EEXIST: 'exist',
  EFBIG: 'file-too-large',
  EILSEQ: 'illegal-byte-sequence',
  EINPROGRESS: 'in-progress',
  EINTR: 'interrupted',
  EINVAL: 'invalid',
  EIO: 'io',
  EISDIR: 'is-directory',
  ELOOP: 'loop',
  EMLINK: 'too-many-links',
  EMSGSIZE: 'message-size',
  ENAMETOOLONG: 'name-too-long',
  ENODEV: 'no-device',
  ENOENT: 'no-entry',
  ENOLCK: 'no-lock',
  ENOMEM: 'insufficient-memory',
  ENOSPC: 'insufficient-space',
  ENOTDIR: 'not-directory',
  ENOTEMPTY: 'not-empty',
  ENOTRECOVERABLE: 'not-recoverable',
  ENOTSUP: 'unsupported',
  EOPNOTSUPP: 'unsupported',
  ENOSYS: 'unsupported',
  ENOTTY: 'no-tty',
  ENXIO: 'no-such-device',
  EOVERFLOW: 'overflow',
  EPERM: 'not-permitted',
  EPIPE: 'pipe',
  EROFS: 'read-only',
  ESPIPE: 'invalid-seek',
  ETXTBSY: 'text-file-busy',
  EXDEV: 'cross-device',
  EMFILE: 'quota',
  ENFILE: 'quota',
};

/**
 * A security rule said no. Thrown instead of a bare code so the one place that turns errors into
 * codes can also put the refusal in the audit log, with the host path the guest was reaching for.
 */
export class Refusal {
  constructor(
    readonly code: FsErrorCode,
    readonly why: string,
    /** Host path the guest tried to reach, when known better than the caller knows it. */
    readonly target?: string,
    /** The engine decided this just now (a person, a timeout, headless mode) and announced it itself. */
    readonly asked = false,
  ) {}
}

/**
 * The error-code for anything thrown while serving a guest call: our own codes pass through, host
 * errno errors are translated. Anything else is a bug in the host and is rethrown, so it traps the
 * guest loudly instead of turning into a plausible-looking error code.
 */
export function toErrorCode(err: unknown): FsErrorCode {
  if (typeof err === 'string') return err as FsErrorCode;
  if (err instanceof Refusal) return err.code;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string') {
    const mapped = BY_ERRNO[code];
    if (mapped) return mapped;
    if (code.startsWith('E')) return 'io';
  }
  throw err;
}

/** A stream failure that remembers its filesystem error-code for `filesystem-error-code`. */
export class FileIoError extends IoError {
  constructor(
    message: string,
    readonly code: FsErrorCode,
  ) {
    super(message);
  }
}
