import { contextBridge, ipcRenderer } from 'electron';
import { type ApiEvent, isApiName, parseApiEvent, type WeldApi } from './api.js';

// Only names from the contract cross the bridge; the main process validates payloads again.
const listeners = new Set<(event: ApiEvent) => void>();
ipcRenderer.on('weld:event', (_e, name: unknown, payload: unknown) => {
  const event = parseApiEvent(name, payload);
  if (event) for (const l of listeners) l(event);
});

const bridge: WeldApi = {
  async invoke(name, input) {
    if (!isApiName(name)) throw new Error(`unknown API operation ${String(name)}`);
    const reply = (await ipcRenderer.invoke('weld:api', name, input)) as
      | { ok: true; value: never }
      | { ok: false; error: { code: string; message: string } };
    if (reply.ok) return reply.value;
    throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  },
  onEvent(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

contextBridge.exposeInMainWorld('weld', bridge);
