import { errorResult, type ToolResult } from '../mcp/tool-table.js';
import { DEFAULT_RESULT_BYTES } from '../policy/quantities.js';
import { shellWord } from '../policy/targets.js';
import { type ExportedFunction, structuredContent } from '../schema/index.js';
import type { CallOutcome } from './instance.js';

/** Raised with the status the call log should show (timeout, cancelled). */
export class GuestCallError extends Error {
  constructor(
    message: string,
    readonly status: 'error' | 'timeout' | 'cancelled',
  ) {
    super(message);
  }
}

/**
 * The text rendering of a structured result is cut here: structuredContent carries the value, and a
 * client that reads only the text gets a readable start instead of the same megabytes twice.
 */
export const TEXT_RENDERING_BYTES = 32 * 1024;
/** What a failed call's result quotes of the guest's stderr: its last lines, where a panic message is. */
const STDERR_LINES = 20;
const STDERR_CHARS = 4 * 1024;
/** What SpiderMonkey (componentize-js) prints on every trap: it says nothing about this failure. */
const RUNTIME_NOISE = /^Redirecting call to abort\(\) to mozalloc_abort$/;

export interface ResultContext {
  componentId: string;
  /** The largest result the call may return, as serialized JSON. */
  resultBytes?: number;
  /** Set when resources.limits.cpu made the call's time slice shorter than its timeout. */
  cpu?: { cores: number; timeoutMs: number };
  /** Configuration keys the component asks for (its policy's environment keys). */
  requestedKeys: readonly string[];
  /** Keys granted with a value this call could read. */
  providedKeys: readonly string[];
}

/** One call's outcome as the MCP result a client reads. Timeouts and cancellations throw GuestCallError. */
export function toToolResult(out: CallOutcome, fn: ExportedFunction, ctx: ResultContext): ToolResult {
  const o = out.outcome;
  switch (o.kind) {
    case 'ok':
      return success(o.value, fn, ctx);
    case 'error': {
      const text = typeof o.payload === 'string' ? o.payload : JSON.stringify(o.payload ?? null);
      return failure(text, out.stderr, ctx);
    }
    case 'exit':
      return failure(`The component exited with code ${o.code} before returning a result.`, out.stderr, ctx);
    case 'trap':
      return failure(`The component failed: ${o.message}`, out.stderr, ctx);
    case 'timeout':
      throw new GuestCallError(
        ctx.cpu
          ? `The tool call used its CPU time, ${o.ms} ms (resources.limits.cpu ${ctx.cpu.cores} of a core over its ${ctx.cpu.timeoutMs} ms timeout), and the component was stopped; the next call starts it again.`
          : `The tool call timed out after ${o.ms} ms and the component was stopped; the next call starts it again.`,
        'timeout',
      );
    case 'cancelled':
      throw new GuestCallError('The tool call was cancelled and the component was stopped.', 'cancelled');
  }
}

function success(value: unknown, fn: ExportedFunction, ctx: ResultContext): ToolResult {
  const limit = ctx.resultBytes ?? DEFAULT_RESULT_BYTES;
  const structured = structuredContent(fn, value);
  // Measured as it goes on the wire (escapes included): that is what a client has to take in.
  const json = JSON.stringify(value ?? null);
  const size = Buffer.byteLength(json);
  if (size > limit) return errorResult(tooLarge(size, limit));
  if (!structured) return { content: [{ type: 'text', text: typeof value === 'string' ? value : json }] };
  return { content: [{ type: 'text', text: rendering(json, size) }], structuredContent: structured };
}

function rendering(json: string, size: number): string {
  if (size <= TEXT_RENDERING_BYTES) return json;
  let cut = json.slice(0, TEXT_RENDERING_BYTES);
  // Never end on half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}\n[... cut at ${formatBytes(TEXT_RENDERING_BYTES)} of ${formatBytes(size)} of JSON: structuredContent has the whole result]`;
}

function tooLarge(size: number, limit: number): string {
  return (
    `The result was ${formatBytes(size)}, over the ${formatBytes(limit)} limit for one tool result, so Weld did not send it. ` +
    'Ask for less (a narrower query, a smaller range or page). The limit is resources.limits.result in the ' +
    "component's policy (at most 16 MiB)."
  );
}

function failure(message: string, stderr: string, ctx: ResultContext): ToolResult {
  const parts = [message];
  const tail = stderrTail(stderr);
  if (tail) parts.push(`The component's last output on stderr:\n${tail}`);
  const missing = missingKeys(ctx);
  if (missing.length) parts.push(missingKeysText(ctx.componentId, missing));
  return errorResult(parts.join('\n\n'));
}

/** The last lines of the guest's stderr, bounded: a panic or an exception message is printed last. */
export function stderrTail(stderr: string): string {
  const trimmed = stderr
    .split('\n')
    .filter((l) => !RUNTIME_NOISE.test(l))
    .join('\n')
    .trimEnd();
  if (!trimmed) return '';
  const lines = trimmed.split('\n');
  let tail = lines.slice(-STDERR_LINES).join('\n');
  if (tail.length > STDERR_CHARS) tail = `...${tail.slice(-STDERR_CHARS)}`;
  else if (lines.length > STDERR_LINES) tail = `...\n${tail}`;
  return tail;
}

function missingKeys(ctx: ResultContext): string[] {
  const provided = new Set(ctx.providedKeys);
  return ctx.requestedKeys.filter((k) => !provided.has(k));
}

function missingKeysText(componentId: string, keys: readonly string[]): string {
  const id = shellWord(componentId);
  const commands = keys.map((k) => `  weld secret set ${id} ${shellWord(k)}`);
  return [
    `Not set for this component: ${keys.join(', ')}. It may have failed for want of ${keys.length === 1 ? 'it' : 'them'}. A person can provide ${keys.length === 1 ? 'it' : 'each'} with:`,
    ...commands,
    `(a key also needs a grant: \`weld grant ${id} env KEY\`, or in the Weld app).`,
  ].join('\n');
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(n % 1024 ** 2 === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}
