import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Registry, TrustOnce } from '../registry/index.js';
import { DEFAULT_COMPONENT_FILE_BYTES } from './component-file.js';
import type { InstallSource } from './install.js';

export class SourceError extends Error {}

/**
 * Reads a component file with a bound: only a regular file no larger than the cap. /dev/zero, a FIFO
 * or a huge sparse file is refused after one fstat instead of being read until memory runs out; the
 * open never blocks (O_NONBLOCK) on a FIFO with no writer.
 */
export async function readComponentFile(path: string, maxBytes = DEFAULT_COMPONENT_FILE_BYTES): Promise<Buffer> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
    throw new SourceError(`cannot read component ${path}: ${why}`);
  }
  try {
    const st = await file.stat();
    if (!st.isFile()) throw new SourceError(`cannot read component ${path}: not a regular file`);
    if (st.size > maxBytes)
      throw new SourceError(`cannot read component ${path}: it is larger than ${Math.round(maxBytes / 2 ** 20)} MiB`);
    // The file may grow after the fstat: read at most one byte past the cap to notice.
    const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await file.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length)
        throw new SourceError(
          `cannot read component ${path}: ${n > maxBytes ? `it is larger than ${Math.round(maxBytes / 2 ** 20)} MiB` : 'it grew while it was read'}`,
        );
    }
    return buf.subarray(0, n);
  } finally {
    await file.close();
  }
}

async function readOrExplain(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
    throw new SourceError(`cannot read ${what} ${path}: ${why}`);
  }
}

export interface SourceOptions {
  policyPath?: string;
  allowUnsigned?: boolean;
  trustOnce?: TrustOnce;
  registry: () => Promise<Registry>;
  /** The cap on a component file (WELD_MAX_COMPONENT_MB); 256 MiB when not given. */
  maxFileBytes?: number;
}

/**
 * Turns what a person or client typed (a path, `file://...` or `oci://...`) into component bytes
 * with their provenance. OCI components are verified before their bytes are downloaded.
 */
export async function resolveSource(ref: string, opts: SourceOptions): Promise<InstallSource> {
  const policyYaml = opts.policyPath ? (await readOrExplain(opts.policyPath, 'policy')).toString('utf8') : null;
  if (ref.startsWith('oci://')) {
    const registry = await opts.registry();
    const pulled = await registry.pullVerified(ref, { allowUnsigned: opts.allowUnsigned, trustOnce: opts.trustOnce });
    const repo = ref.slice('oci://'.length).replace(/[@:][^/]*$/, '');
    return {
      bytes: pulled.bytes,
      sourceRef: pulled.sourceRef,
      name: repo.split('/').pop() ?? repo,
      policyYaml: policyYaml ?? pulled.policyYaml,
      signatureStatus: pulled.signatureStatus,
      publisher: pulled.publisher,
      version: /:([^/@]+)$/.exec(ref.replace(/@sha256:.*$/, ''))?.[1] ?? null,
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) && !ref.startsWith('file://')) {
    throw new SourceError(`unsupported source "${ref}": use a file path, file://... or oci://...`);
  }
  const path = ref.startsWith('file://') ? fileURLToPath(ref) : resolve(ref);
  const bytes = await readComponentFile(path, opts.maxFileBytes);
  return {
    bytes,
    sourceRef: pathToFileURL(path).href,
    name: basename(path),
    policyYaml,
    signatureStatus: 'local',
    publisher: null,
  };
}
