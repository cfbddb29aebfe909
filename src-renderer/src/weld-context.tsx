import { type QueryClient, useQuery } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect } from 'react';
import type { ApiEvent, ApiInput, ApiName, ApiOutput } from '../../src-preload/api.js';
import type { WeldClient } from './client.js';

const ClientContext = createContext<WeldClient | null>(null);

export function WeldProvider({ client, children }: { client: WeldClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useWeld(): WeldClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useWeld outside WeldProvider');
  return client;
}

/** A query keyed by operation and input, so invalidating ['calls.list'] refreshes every filtered view. */
export function useApi<N extends ApiName>(name: N, input: ApiInput<N>, opts: { enabled?: boolean } = {}) {
  const client = useWeld();
  return useQuery<ApiOutput<N>, Error>({
    queryKey: [name, input],
    queryFn: () => client.invoke(name, input),
    enabled: opts.enabled,
  });
}

/** Which cached answers an event makes stale. */
const STALE: Record<ApiEvent['name'], ApiName[]> = {
  'call.started': [],
  'call.finished': ['calls.list'],
  'capability.requested': ['requests.list'],
  'capability.decided': ['requests.list', 'calls.get', 'audit.list', 'audit.verify'],
  'components.changed': ['components.list', 'grants.list', 'audit.list', 'audit.verify'],
  'grants.changed': ['components.list', 'grants.list', 'audit.list'],
  'loads.changed': ['loads.list', 'components.list', 'grants.list', 'audit.list'],
  'ui.install': [],
  'ui.show': [],
};

/**
 * Subscribes once for the whole app. Bursts of events (hundreds of calls a second) are folded into one
 * refetch per operation every 300 ms so the UI stays smooth.
 */
export function useEngineEvents(queryClient: QueryClient, onEvent?: (e: ApiEvent) => void): void {
  const client = useWeld();
  useEffect(() => {
    const pending = new Set<ApiName>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = client.onEvent((e) => {
      onEvent?.(e);
      for (const op of STALE[e.name]) pending.add(op);
      timer ??= setTimeout(() => {
        timer = null;
        for (const op of pending) queryClient.invalidateQueries({ queryKey: [op] });
        pending.clear();
      }, 300);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [client, queryClient, onEvent]);
}
