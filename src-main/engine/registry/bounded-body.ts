import { createHash } from 'node:crypto';
import { RegistryError } from './errors.js';

/**
 * Reads a response body into memory, refusing it as soon as it passes `limit` bytes (the declared
 * Content-Length is checked first, but a registry can lie about it, so the stream is counted too) and,
 * when `digest` is given, refusing bytes whose sha256 differs: registries serve tampered blobs.
 */
export async function readBounded(
  res: Response,
  what: string,
  limit: number,
  digest?: string,
  limitName = `the limit of ${formatBytes(limit)}`,
): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(what, declared, limitName);
  }
  if (!res.body) throw new RegistryError('protocol', `${what}: the registry sent no body`);
  const hash = createHash('sha256');
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(what, total, limitName);
    }
    hash.update(value);
    chunks.push(value);
  }
  const bytes = Buffer.concat(chunks, total);
  if (digest) {
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) {
      throw new RegistryError('digest-mismatch', `${what} was tampered with: expected ${digest}, the registry sent ${actual}`);
    }
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function tooLarge(what: string, size: number, limitName: string): RegistryError {
  return new RegistryError('too-large', `${what} is larger than ${limitName} (at least ${formatBytes(size)})`);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
