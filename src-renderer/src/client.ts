import {
  API_EVENT_NAMES,
  ApiErrorBody,
  type ApiEvent,
  type ApiInput,
  type ApiName,
  type ApiOutput,
  api,
  parseApiEvent,
  type WeldApi,
} from '../../src-preload/api.js';

/** An API failure the UI can show as is: the engine wrote the message for a person. */
export class WeldApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'weld.token';

/**
 * The token arrives once in the page URL (`?token=`). Keep it for this tab only and take it out of the
 * address bar, so it does not end up in history, bookmarks or screenshots.
 */
export function takeToken(loc: Location = window.location, storage: Storage = window.sessionStorage): string | null {
  const url = new URL(loc.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY);
}

/** Web mode: the same contract over POST /api/<operation> and server-sent events. */
export function httpApi(token: string, base = ''): WeldApi & { onConnection(l: (up: boolean) => void): () => void } {
  const connection = new Set<(up: boolean) => void>();
  return {
    async invoke(name, input) {
      const res = await fetch(`${base}/api/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) {
        const err = ApiErrorBody.safeParse(body);
        throw err.success
          ? new WeldApiError(err.data.error.message, err.data.error.code)
          : new WeldApiError(`Weld answered HTTP ${res.status}.`, 'internal');
      }
      return (body as { value: never }).value;
    },
    onEvent(listener) {
      const source = new EventSource(`${base}/api/events?token=${encodeURIComponent(token)}`);
      for (const name of API_EVENT_NAMES) {
        source.addEventListener(name, (m) => {
          let payload: unknown;
          try {
            payload = JSON.parse((m as MessageEvent<string>).data);
          } catch {
            return;
          }
          const event = parseApiEvent(name, payload);
          if (event) listener(event);
        });
      }
      source.onopen = () => {
        for (const l of connection) l(true);
      };
      source.onerror = () => {
        for (const l of connection) l(false);
      };
      return () => source.close();
    },
    onConnection(l) {
      connection.add(l);
      return () => connection.delete(l);
    },
  };
}

export interface WeldClient {
  invoke<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiOutput<N>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

/**
 * The renderer never knows its transport: Electron's preload bridge when present, else HTTP with the
 * page's token. Outputs are parsed by the contract on this side too, so a bug on either end shows up
 * as a clear error instead of a half-rendered page.
 */
export function createClient(bridge: WeldApi): WeldClient {
  return {
    async invoke(name, input) {
      const value = await bridge.invoke(name, input);
      const parsed = api[name].output.safeParse(value);
      if (!parsed.success) throw new WeldApiError(`Weld sent an unexpected answer to ${name}.`, 'internal');
      return parsed.data as ApiOutput<typeof name>;
    },
    onEvent: (l) => bridge.onEvent(l),
  };
}

declare global {
  interface Window {
    weld?: WeldApi;
  }
}
