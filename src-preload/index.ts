import { contextBridge, ipcRenderer } from 'electron';
import { type ApiName, isApiName, type WeldApi } from './api.js';

// Only names from the contract cross the bridge; the main process validates payloads again.
const bridge: WeldApi = {
  invoke(name, input) {
    if (!isApiName(name)) return Promise.reject(new Error(`unknown API operation ${String(name)}`));
    return ipcRenderer.invoke('weld:api', name as ApiName, input);
  },
};

contextBridge.exposeInMainWorld('weld', bridge);
