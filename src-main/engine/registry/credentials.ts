import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RegistryError } from './errors.js';

export interface BasicCredentials {
  username: string;
  password: string;
}

export type CredentialLookup = (registry: string) => BasicCredentials | undefined;

const CredentialsFile = z
  .object({
    registries: z.record(
      z.string().min(1),
      z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(4096) }).strict(),
    ),
  })
  .strict();

export function credentialsPath(home: string): string {
  return join(home, 'registry-credentials.json');
}

/**
 * Reads `<data dir>/registry-credentials.json`: `{ "registries": { "host:port": { username, password } } }`.
 * A missing file means anonymous access; a malformed one is an error rather than a silent anonymous pull.
 */
export function loadCredentials(home: string): CredentialLookup {
  let text: string;
  try {
    text = readFileSync(credentialsPath(home), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return () => undefined;
    throw err;
  }
  let parsed: z.infer<typeof CredentialsFile>;
  try {
    parsed = CredentialsFile.parse(JSON.parse(text));
  } catch (err) {
    const detail =
      err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(err);
    throw new RegistryError('bad-input', `${credentialsPath(home)} is not valid: ${detail}`);
  }
  return (registry) => parsed.registries[registry];
}
