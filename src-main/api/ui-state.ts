import { createRequestStore, type RequestStore } from '../engine/store/capability-requests.js';
import type { Weld } from '../engine/weld.js';
import { InstallPreviews } from './install-previews.js';

/** What this process saw of a call that may now be held by a capability request. */
export interface SeenCall {
  tool: string;
  client: string | null;
}

const RUNNING_MAX = 1024;

export interface UiState {
  previews: InstallPreviews;
  /** Calls started in this process and not finished yet, so a held call's request can name its tool. */
  running: ReadonlyMap<string, SeenCall>;
  /** The request rows themselves, for the held call's tool, client and arguments. */
  requestRows: RequestStore;
}

const states = new WeakMap<Weld, UiState>();

/** Per-engine state of the UI API. Created with the dispatch, so it sees calls from the start. */
export function uiState(weld: Weld): UiState {
  let state = states.get(weld);
  if (state) return state;
  const running = new Map<string, SeenCall>();
  weld.events.on('call.started', ({ callId, tool, client }) => {
    if (running.size >= RUNNING_MAX) running.delete(running.keys().next().value as string);
    running.set(callId, { tool, client });
  });
  weld.events.on('call.finished', ({ callId }) => running.delete(callId));
  state = { previews: new InstallPreviews(), running, requestRows: createRequestStore(weld.store.db) };
  states.set(weld, state);
  return state;
}
