/** Longest argument preview kept: enough to recognise a call, never a whole uploaded document. */
export const MAX_ARGS_PREVIEW = 2048;
const MAX_STRING = 200;
export const MASK = '••••••';

/** Field names whose values are secrets whatever the tool: never written to the log. */
const SECRET_NAME = /pass(word|phrase)?|secret|token|api[-_]?key|private[-_]?key|credential|auth|cookie|session/i;

/**
 * The arguments of a call as the live log and a request show them: JSON, long strings cut, values of
 * secret-looking fields masked, and the whole bounded. The log is read by people and other processes;
 * what a secret field held is not theirs to see.
 */
export function argsPreview(args: unknown): string {
  const text = JSON.stringify(args, (key, value) => {
    if (key && SECRET_NAME.test(key) && value !== null && value !== '') return MASK;
    if (typeof value === 'string' && value.length > MAX_STRING) return `${value.slice(0, MAX_STRING)}… (${value.length} chars)`;
    return value;
  });
  if (text === undefined) return 'null';
  return text.length > MAX_ARGS_PREVIEW ? `${text.slice(0, MAX_ARGS_PREVIEW - 1)}…` : text;
}

/** Masks, in a preview, every occurrence of values the component was given as environment or secrets. */
export function maskValues(preview: string, values: readonly string[]): string {
  let out = preview;
  // Short values (a "1" or "true") would mask half the text and protect nothing.
  for (const v of values) if (v.length >= 4) out = out.split(JSON.stringify(v).slice(1, -1)).join(MASK);
  return out;
}
