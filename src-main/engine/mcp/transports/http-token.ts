import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const TOKEN = /^[A-Za-z0-9_-]{32,256}$/;

export function tokenPath(home: string): string {
  return join(home, 'http-token');
}

/**
 * The bearer token for the localhost HTTP endpoint, generated once so client configs keep working
 * across restarts. The file is created 0600 in one step (O_EXCL), never written wider and narrowed.
 */
export function loadOrCreateToken(home: string): string {
  const path = tokenPath(home);
  try {
    return readToken(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    // Another Weld process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readToken(path);
    throw err;
  }
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  return token;
}

function readToken(path: string): string {
  const token = readFileSync(path, 'utf8').trim();
  if (!TOKEN.test(token)) throw new Error(`${path} does not hold a valid token; delete it and Weld will make a new one`);
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return token;
}

/** Compares in constant time so the token cannot be guessed byte by byte from response timings. */
export function tokenMatches(expected: string, authorization: string | undefined): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
