import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isPlainObject } from '../../plain-object.js';

/**
 * Whether a parsed frame is a JSON-RPC 2.0 message in the form the MCP SDK accepts: a request, a
 * notification, a result or an error, with no extra members, exactly as the SDK's
 * JSONRPCMessageSchema decides. Written out because that schema is a four-way zod union, which cost
 * several microseconds on every frame, and the SDK checks each message again by its type anyway; the
 * test compares the two on valid and broken messages.
 */
export function isJsonRpcMessage(v: unknown): v is JSONRPCMessage {
  if (!isPlainObject(v) || v.jsonrpc !== '2.0') return false;
  if ('method' in v) {
    if (typeof v.method !== 'string' || !hasOnly(v, 'id' in v ? REQUEST_KEYS : NOTIFICATION_KEYS)) return false;
    if ('id' in v && !isRequestId(v.id)) return false;
    return v.params === undefined || (isPlainObject(v.params) && isMeta(v.params._meta));
  }
  if ('result' in v) return hasOnly(v, RESULT_KEYS) && isRequestId(v.id) && isPlainObject(v.result) && isMeta(v.result._meta);
  if ('error' in v) {
    const e = v.error;
    return (
      hasOnly(v, ERROR_KEYS) &&
      (v.id === undefined || isRequestId(v.id)) &&
      isPlainObject(e) &&
      Number.isSafeInteger(e.code) &&
      typeof e.message === 'string'
    );
  }
  return false;
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const NOTIFICATION_KEYS = new Set(['jsonrpc', 'method', 'params']);
const RESULT_KEYS = new Set(['jsonrpc', 'id', 'result']);
const ERROR_KEYS = new Set(['jsonrpc', 'id', 'error']);
const RELATED_TASK = 'io.modelcontextprotocol/related-task';

const isRequestId = (v: unknown): boolean => typeof v === 'string' || Number.isSafeInteger(v);

function hasOnly(v: Record<string, unknown>, keys: Set<string>): boolean {
  for (const key in v) if (!keys.has(key)) return false;
  return true;
}

/** `_meta`, when present: an object whose progress token and related task, if any, are well formed. */
function isMeta(meta: unknown): boolean {
  if (meta === undefined) return true;
  if (!isPlainObject(meta)) return false;
  if (meta.progressToken !== undefined && !isRequestId(meta.progressToken)) return false;
  const task = meta[RELATED_TASK];
  return task === undefined || (isPlainObject(task) && typeof task.taskId === 'string');
}
