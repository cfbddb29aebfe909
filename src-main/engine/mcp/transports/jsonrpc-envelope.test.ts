import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { isJsonRpcMessage } from './jsonrpc-envelope.js';

const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'add', arguments: { a: 1 } } };

const valid: unknown[] = [
  call,
  { ...call, id: 'req-1' },
  { jsonrpc: '2.0', id: 1, method: 'tools/list' },
  { ...call, params: { ...call.params, _meta: { progressToken: 'p1', other: true } } },
  { ...call, params: { ...call.params, _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't' } } } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'stop' } },
  { jsonrpc: '2.0', id: 3, result: {} },
  { jsonrpc: '2.0', id: 3, result: { content: [], _meta: { progressToken: 4 } } },
  { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found', data: { x: 1 } } },
  { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error', extra: 'ignored' } },
];

const invalid: unknown[] = [
  null,
  42,
  'text',
  [call],
  {},
  { ...call, jsonrpc: '1.0' },
  { ...call, jsonrpc: undefined },
  { ...call, id: null },
  { ...call, id: 1.5 },
  { ...call, id: 2 ** 60 },
  { ...call, id: {} },
  { ...call, method: 5 },
  { ...call, params: [1, 2] },
  { ...call, params: 'x' },
  { ...call, params: null },
  { ...call, extra: 1 },
  { ...call, result: {} },
  { ...call, params: { ...call.params, _meta: 5 } },
  { ...call, params: { ...call.params, _meta: { progressToken: true } } },
  { ...call, params: { ...call.params, _meta: { progressToken: 1.5 } } },
  { ...call, params: { ...call.params, _meta: { 'io.modelcontextprotocol/related-task': { taskId: 1 } } } },
  { jsonrpc: '2.0', method: 'notifications/x', params: [] },
  { jsonrpc: '2.0', method: 'notifications/x', extra: true },
  { jsonrpc: '2.0', id: 3, result: [] },
  { jsonrpc: '2.0', id: 3, result: null },
  { jsonrpc: '2.0', result: {} },
  { jsonrpc: '2.0', id: 3, result: {}, extra: 1 },
  { jsonrpc: '2.0', id: 3, result: { _meta: 'x' } },
  { jsonrpc: '2.0', id: null, error: { code: -1, message: 'm' } },
  { jsonrpc: '2.0', id: 3, error: { code: 1.5, message: 'm' } },
  { jsonrpc: '2.0', id: 3, error: { code: -1 } },
  { jsonrpc: '2.0', id: 3, error: 'boom' },
  { jsonrpc: '2.0', id: 3, error: { code: -1, message: 'm' }, result: {} },
];

describe('JSON-RPC envelope check', () => {
  it('accepts requests, notifications, results and errors', () => {
    for (const m of valid) expect([m, isJsonRpcMessage(m)]).toEqual([m, true]);
  });

  it('rejects broken ids, members, params, _meta and mixed forms', () => {
    for (const m of invalid) expect([m, isJsonRpcMessage(m)]).toEqual([m, false]);
  });

  it('decides every case as the SDK schema does', () => {
    for (const m of [...valid, ...invalid])
      expect([m, isJsonRpcMessage(m)]).toEqual([m, JSONRPCMessageSchema.safeParse(m).success]);
  });
});
