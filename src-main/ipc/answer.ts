import type { ApiDispatch } from '../api/registry.js';
import { toErrorBody } from '../api/registry.js';

export type IpcReply = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

/**
 * One `weld:api` call: refuse untrusted senders, then run the same validated dispatch as web mode and
 * wrap the result in an envelope (ipcMain.handle would otherwise mangle error messages).
 */
export async function answerApiCall(
  dispatch: ApiDispatch,
  trusted: boolean,
  name: unknown,
  input: unknown,
  log: (err: unknown) => void,
): Promise<IpcReply> {
  if (!trusted) return { ok: false, error: { code: 'unauthorized', message: 'This page may not use the Weld API.' } };
  try {
    return { ok: true, value: await dispatch(name, input) };
  } catch (err) {
    return { ok: false, ...toErrorBody(err, log) };
  }
}
