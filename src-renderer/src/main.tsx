import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { createClient, httpApi, takeToken } from './client.js';
import { EmptyState } from './ui/EmptyState.js';
import { WeldProvider } from './weld-context.js';
import './styles.css';

// Focus rings are for keyboard users: after a mouse or touch press a clicked button keeps none, even
// where the browser would draw one (a focus moved by script, as the tab list does).
for (const [event, input] of [
  ['pointerdown', 'pointer'],
  ['keydown', 'keyboard'],
] as const) {
  document.addEventListener(event, () => document.documentElement.setAttribute('data-input', input), { capture: true });
}

const root = createRoot(document.getElementById('root') as HTMLElement);
const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, staleTime: 2_000, refetchOnWindowFocus: true } },
});

function start(): void {
  if (window.weld) {
    render(createClient(window.weld));
    return;
  }
  const token = takeToken();
  if (!token) {
    root.render(
      <main className="content standalone">
        <EmptyState title="This page needs its access token">
          Open the full URL that <code>weld serve --ui</code> printed; it ends in <code>?token=…</code>.
        </EmptyState>
      </main>,
    );
    return;
  }
  const http = httpApi(token);
  render(createClient(http), http.onConnection);
}

function render(client: ReturnType<typeof createClient>, onConnection?: (l: (up: boolean) => void) => () => void): void {
  root.render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <WeldProvider client={client}>
          <App onConnection={onConnection} />
        </WeldProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}

start();
