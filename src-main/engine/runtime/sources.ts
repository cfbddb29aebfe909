import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Registry, TrustOnce } from '../registry/index.js';
import type { InstallSource } from './install.js';

export class SourceError extends Error {}

async function readOrExplain(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
    throw new SourceError(`cannot read ${what} ${path}: ${why}`);
  }
}

/**
 * Turns what a person or client typed (a path, `file://...` or `oci://...`) into component bytes
 * with their provenance. OCI components are verified before their bytes are downloaded.
 */
export async function resolveSource(
  ref: string,
  opts: { policyPath?: string; allowUnsigned?: boolean; trustOnce?: TrustOnce; registry: () => Promise<Registry> },
): Promise<InstallSource> {
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
  const bytes = await readOrExplain(path, 'component');
  return {
    bytes,
    sourceRef: pathToFileURL(path).href,
    name: basename(path),
    policyYaml,
    signatureStatus: 'local',
    publisher: null,
  };
}
