/** A JSON object: not null, not an array. What every check of parsed input starts with. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
