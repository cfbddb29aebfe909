import { UsageError } from './command.js';

type Schema = { type?: string | string[]; properties?: Record<string, Schema> };

/**
 * `--arg k=v` values are typed by the tool's input schema, so `--arg a=2` is the number 2 for an
 * integer field and the string "2" for a string field; anything else is read as JSON.
 */
export function parseToolArgs(pairs: string[], json: string | undefined, schema: Schema): Record<string, unknown> {
  let args: Record<string, unknown> = {};
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new UsageError(`--json is not valid JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--json must be a JSON object');
    args = parsed as Record<string, unknown>;
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--arg "${pair}": expected key=value`);
    const key = pair.slice(0, eq);
    args[key] = typed(pair.slice(eq + 1), schema.properties?.[key]);
  }
  return args;
}

function typed(raw: string, schema: Schema | undefined): unknown {
  const types = [schema?.type ?? []].flat();
  if (types.length === 1 && types[0] === 'string') return raw;
  if (types.some((t) => t === 'integer' || t === 'number') && raw.trim() !== '' && Number.isFinite(Number(raw)))
    return Number(raw);
  if (types.includes('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
