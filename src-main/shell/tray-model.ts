import type { ApiEvent, ApiEventPayload } from '../../src-preload/api.js';
import { requestSentence } from '../../src-renderer/src/capabilities.js';

export type TrayIconState = 'running' | 'request' | 'error';

export interface TrayState {
  /** Capability requests waiting for a person, by request id. */
  pending: ReadonlyMap<string, { componentId: string; what: string }>;
  paused: boolean;
  startAtLogin: boolean;
  /** Set when the engine could not start or failed; shown in the menu. */
  error: string | null;
}

export const initialTrayState = (startAtLogin: boolean, error: string | null = null): TrayState => ({
  pending: new Map(),
  paused: false,
  startAtLogin,
  error,
});

/** Requests that were already waiting when the tray started (held by another Weld process). */
export function withPending(
  state: TrayState,
  pending: readonly {
    id: string;
    componentId: string;
    kind: 'storage' | 'network' | 'environment';
    target: string;
    access: string;
  }[],
): TrayState {
  if (pending.length === 0) return state;
  const map = new Map(state.pending);
  for (const r of pending) map.set(r.id, { componentId: r.componentId, what: requestSentence(r) });
  return { ...state, pending: map };
}

/** The desktop notification for a new request: says who wants what, in plain words. */
export function requestNotice(r: ApiEventPayload<'capability.requested'>): { title: string; body: string } {
  return { title: `${r.componentId} asks for access`, body: `${requestSentence(r)}. Open Weld to allow or deny.` };
}

/** Pure reducer: the tray redraws from its result, and tests drive it with plain events. */
export function trayReduce(state: TrayState, event: ApiEvent): TrayState {
  if (event.name === 'capability.requested') {
    const { requestId, componentId } = event.payload;
    const pending = new Map(state.pending);
    pending.set(requestId, { componentId, what: requestSentence(event.payload) });
    return { ...state, pending };
  }
  if (event.name === 'capability.decided' && event.payload.requestId && state.pending.has(event.payload.requestId)) {
    const pending = new Map(state.pending);
    pending.delete(event.payload.requestId);
    return { ...state, pending };
  }
  return state;
}

export function trayIcon(state: TrayState): TrayIconState {
  if (state.error) return 'error';
  return state.pending.size > 0 ? 'request' : 'running';
}

export function trayTooltip(state: TrayState): string {
  if (state.error) return `Weld: ${state.error}`;
  if (state.pending.size === 1) return `Weld: ${[...state.pending.values()][0].what}`;
  if (state.pending.size) return `Weld: ${state.pending.size} requests waiting`;
  return state.paused ? 'Weld: all tools paused' : 'Weld is running';
}

export type TrayAction = 'open' | 'openRequests' | 'togglePause' | 'copyConfig' | 'toggleStartAtLogin' | 'quit';

export type TrayMenuItem =
  | { type: 'separator' }
  | { type: 'normal'; label: string; action?: TrayAction; enabled: boolean }
  | { type: 'checkbox'; label: string; action: TrayAction; checked: boolean };

/** The tray menu as data; tray.ts turns it into an Electron Menu. */
export function trayMenu(state: TrayState): TrayMenuItem[] {
  const n = state.pending.size;
  const status: TrayMenuItem[] = state.error
    ? [{ type: 'normal', label: `Error: ${state.error.slice(0, 120)}`, enabled: false }]
    : [
        n
          ? { type: 'normal', label: `${n} pending request${n === 1 ? '' : 's'}…`, action: 'openRequests', enabled: true }
          : { type: 'normal', label: 'No pending requests', enabled: false },
      ];
  return [
    { type: 'normal', label: 'Open Weld', action: 'open', enabled: true },
    ...status,
    { type: 'separator' },
    {
      type: 'normal',
      label: state.paused ? 'Resume all tools' : 'Pause all tools',
      action: 'togglePause',
      enabled: !state.error,
    },
    { type: 'normal', label: 'Copy client config', action: 'copyConfig', enabled: true },
    { type: 'checkbox', label: 'Start at login', action: 'toggleStartAtLogin', checked: state.startAtLogin },
    { type: 'separator' },
    { type: 'normal', label: 'Quit Weld', action: 'quit', enabled: true },
  ];
}
