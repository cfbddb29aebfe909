import { z } from 'zod';
import { RegistryError } from './errors.js';
import { DIGEST } from './reference.js';

const MediaType = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/);

export const Descriptor = z.object({
  mediaType: MediaType,
  digest: z.string().regex(DIGEST, 'must be sha256:<64 hex>'),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  artifactType: MediaType.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type Descriptor = z.infer<typeof Descriptor>;

export const ImageManifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: MediaType.optional(),
  artifactType: MediaType.optional(),
  config: Descriptor,
  layers: z.array(Descriptor).max(64),
  subject: Descriptor.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageManifest = z.infer<typeof ImageManifest>;

export const ImageIndex = z.object({
  schemaVersion: z.literal(2),
  mediaType: MediaType.optional(),
  manifests: z.array(Descriptor).max(1000),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageIndex = z.infer<typeof ImageIndex>;

/** Parses JSON from the registry against a schema; any problem is a protocol error naming `what`. */
export function parseJson<T>(schema: z.ZodType<T>, bytes: Uint8Array, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new RegistryError('protocol', `${what} is not valid JSON`);
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const detail = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new RegistryError('protocol', `${what} is malformed: ${detail}`);
  }
  return r.data;
}
