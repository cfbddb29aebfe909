import * as Tabs from '@radix-ui/react-tabs';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiEvent } from '../../src-preload/api.js';
import { checkInstallRef, installRefFromHash } from '../../src-preload/deep-link.js';
import { AuditPage } from './pages/Audit.js';
import { InstallPage } from './pages/Install.js';
import { LiveLogPage } from './pages/LiveLog.js';
import { RequestsPage } from './pages/Requests.js';
import { SettingsPage } from './pages/Settings.js';
import { ToolsPage } from './pages/Tools.js';
import { useApi, useEngineEvents } from './weld-context.js';

const PAGES = [
  { id: 'tools', label: 'Tools' },
  { id: 'install', label: 'Install' },
  { id: 'requests', label: 'Requests' },
  { id: 'log', label: 'Live log' },
  { id: 'audit', label: 'Audit' },
  { id: 'settings', label: 'Settings' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

/** `#log` opens a page; `#install?ref=oci://…` (a weld:// link) opens Install pre-filled. */
const pageFromHash = (hash: string): PageId => {
  if (hash.startsWith('#install?')) return 'install';
  const h = hash.slice(1);
  return PAGES.some((p) => p.id === h) ? (h as PageId) : 'tools';
};

export function App({ onConnection }: { onConnection?: (l: (up: boolean) => void) => () => void }) {
  const queryClient = useQueryClient();
  const [page, setPage] = useState<PageId>(() => pageFromHash(window.location.hash));
  const [prefill, setPrefill] = useState<{ ref: string; nonce: number } | null>(() => {
    const ref = installRefFromHash(window.location.hash);
    return ref ? { ref, nonce: 0 } : null;
  });
  const [live, setLive] = useState(true);
  // Calls that arrived while the live log was not on screen: shown as a count in the navigation.
  const [unseen, setUnseen] = useState(0);
  const requests = useApi('requests.list', {});
  const waiting = requests.data?.length ?? 0;
  const pageRef = useRef(page);

  const go = useCallback((id: PageId) => {
    pageRef.current = id;
    setPage(id);
    if (id === 'log') setUnseen(0);
    // A link's reference fills the Install page once; coming back later starts clean.
    if (id !== 'install') setPrefill(null);
    window.history.replaceState(null, '', `#${id}`);
  }, []);

  const onEvent = useCallback(
    (e: ApiEvent) => {
      if (e.name === 'call.finished' && pageRef.current !== 'log') setUnseen((n) => n + 1);
      if (e.name === 'ui.show') go(e.payload.page);
      if (e.name === 'ui.install') {
        // Validated again here: the renderer trusts no channel with what it puts in front of a person.
        const checked = checkInstallRef(e.payload.ref);
        if (checked.ok) {
          setPrefill({ ref: checked.ref, nonce: Date.now() });
          go('install');
        }
      }
    },
    [go],
  );
  useEngineEvents(queryClient, onEvent);
  useEffect(() => onConnection?.(setLive), [onConnection]);
  useEffect(() => {
    // In-page links (#tools) and links typed into the address bar switch pages without a reload.
    const onHash = () => {
      const ref = installRefFromHash(window.location.hash);
      setPrefill(ref ? { ref, nonce: Date.now() } : null);
      const next = pageFromHash(window.location.hash);
      pageRef.current = next;
      setPage(next);
      if (next === 'log') setUnseen(0);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  return (
    <Tabs.Root className="app" orientation="vertical" value={page} onValueChange={(id) => go(id as PageId)}>
      <nav className="sidebar" aria-label="Weld">
        <div className="brand">
          <svg viewBox="0 0 24 24" aria-hidden="true" className="brand-mark">
            <path d="M4 6l4 12 4-9 4 9 4-12" />
          </svg>
          <span>Weld</span>
        </div>
        <Tabs.List className="nav" aria-label="Pages">
          {PAGES.map((p) => (
            <Tabs.Trigger key={p.id} value={p.id} className="nav-item">
              {p.label}
              {p.id === 'log' && unseen > 0 && (
                <span className="nav-count" role="status">
                  {unseen > 99 ? '99+' : unseen} new
                </span>
              )}
              {p.id === 'requests' && waiting > 0 && (
                <span className="nav-count urgent" role="status" data-testid="requests-badge">
                  {waiting} waiting
                </span>
              )}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        <p className={`conn ${live ? 'on' : 'off'}`}>{live ? 'Connected' : 'Reconnecting…'}</p>
      </nav>
      <main className="content">
        <Tabs.Content value="tools" tabIndex={-1}>
          <ToolsPage />
        </Tabs.Content>
        <Tabs.Content value="install" tabIndex={-1}>
          {/* A new link starts the page afresh: what it shows must be what the link named. */}
          <InstallPage key={prefill?.nonce ?? 'none'} prefill={prefill} />
        </Tabs.Content>
        <Tabs.Content value="requests" tabIndex={-1}>
          <RequestsPage />
        </Tabs.Content>
        <Tabs.Content value="log" tabIndex={-1}>
          <LiveLogPage live={live} />
        </Tabs.Content>
        <Tabs.Content value="audit" tabIndex={-1}>
          <AuditPage />
        </Tabs.Content>
        <Tabs.Content value="settings" tabIndex={-1}>
          <SettingsPage />
        </Tabs.Content>
      </main>
    </Tabs.Root>
  );
}
