import { type ApiEvent, ENGINE_EVENT_NAMES } from '../../src-preload/api.js';
import type { ComponentRecord } from '../engine/store/components.js';
import type { Weld } from '../engine/weld.js';

export interface ApiEventStream {
  subscribe(listener: (event: ApiEvent) => void): () => void;
  close(): void;
}

const RECENT_CALLS = 4096;

/**
 * The events the UI receives: everything this engine's bus emits, plus what other Weld processes
 * sharing the data dir wrote to the database (an MCP client's own `weld serve --stdio`, `weld install`).
 * Those are found by polling the store while someone is listening; calls are de-duplicated by id.
 */
export function createApiEventStream(
  weld: Weld,
  opts: {
    pollMs?: number;
    /**
     * While anyone listens, tell the policy engine a person can answer capability requests, so a call
     * that touches something not granted waits for them instead of being denied at once.
     */
    decider?: string;
  } = {},
): ApiEventStream {
  const listeners = new Set<(e: ApiEvent) => void>();
  const seenCalls = new Set<string>();
  const emit = (e: ApiEvent) => {
    if (e.name === 'call.finished') remember(e.payload.callId);
    for (const l of listeners) l(e);
  };
  const remember = (id: string) => {
    seenCalls.add(id);
    if (seenCalls.size > RECENT_CALLS) seenCalls.delete(seenCalls.values().next().value as string);
  };

  const offBus = ENGINE_EVENT_NAMES.map((name) => weld.events.on(name, (payload) => emit({ name, payload } as ApiEvent)));

  let timer: NodeJS.Timeout | null = null;
  let undoDecider: (() => void) | null = null;
  let cursor = weld.store.calls.writtenCursor();
  let components = snapshot(weld.store.components.list());

  function poll(): void {
    try {
      const fresh = weld.store.calls.written(cursor);
      cursor = fresh.cursor;
      for (const c of fresh.rows) {
        if (seenCalls.has(c.id)) continue;
        const { id: callId, tool, componentId, client, status, durationUs, error } = c;
        emit({ name: 'call.finished', payload: { callId, tool, componentId, client, status, durationUs, error } });
      }
      const now = snapshot(weld.store.components.list());
      for (const e of diffComponents(components, now)) emit(e);
      components = now;
    } catch (err) {
      // A locked or busy DB is transient; the next poll catches up.
      weld.logger.debug('event poll failed', { err: String(err) });
    }
  }

  function stopFollowing(): void {
    if (timer) clearInterval(timer);
    timer = null;
    undoDecider?.();
    undoDecider = null;
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (!timer) {
        // Start following from now: a new listener fetches history through the API, not as events.
        cursor = weld.store.calls.writtenCursor();
        components = snapshot(weld.store.components.list());
        timer = setInterval(poll, opts.pollMs ?? 400);
        timer.unref();
      }
      if (opts.decider && !undoDecider) undoDecider = weld.policy.addDecider(opts.decider);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stopFollowing();
      };
    },
    close() {
      for (const off of offBus) off();
      listeners.clear();
      stopFollowing();
    },
  };
}

type Snapshot = Map<string, { digest: string; enabled: boolean }>;

function snapshot(list: ComponentRecord[]): Snapshot {
  return new Map(list.map((c) => [c.id, { digest: c.digest, enabled: c.enabled }]));
}

export function diffComponents(before: Snapshot, after: Snapshot): ApiEvent[] {
  const out: ApiEvent[] = [];
  const changed = (componentId: string, change: 'installed' | 'removed' | 'updated' | 'enabled' | 'disabled') =>
    out.push({ name: 'components.changed', payload: { componentId, change } });
  for (const [id, now] of after) {
    const was = before.get(id);
    if (!was) changed(id, 'installed');
    else if (was.digest !== now.digest) changed(id, 'updated');
    else if (was.enabled !== now.enabled) changed(id, now.enabled ? 'enabled' : 'disabled');
  }
  for (const id of before.keys()) if (!after.has(id)) changed(id, 'removed');
  return out;
}
