import * as Tabs from '@radix-ui/react-tabs';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiEvent } from '../../src-preload/api.js';
import { AuditPage } from './pages/Audit.js';
import { LiveLogPage } from './pages/LiveLog.js';
import { SettingsPage } from './pages/Settings.js';
import { ToolsPage } from './pages/Tools.js';
import { useEngineEvents } from './weld-context.js';

const PAGES = [
  { id: 'tools', label: 'Tools' },
  { id: 'log', label: 'Live log' },
  { id: 'audit', label: 'Audit' },
  { id: 'settings', label: 'Settings' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

const pageFromHash = (): PageId => {
  const h = window.location.hash.slice(1);
  return PAGES.some((p) => p.id === h) ? (h as PageId) : 'tools';
};

export function App({ onConnection }: { onConnection?: (l: (up: boolean) => void) => () => void }) {
  const queryClient = useQueryClient();
  const [page, setPage] = useState<PageId>(pageFromHash);
  const [live, setLive] = useState(true);
  // Calls that arrived while the live log was not on screen: shown as a count in the navigation.
  const [unseen, setUnseen] = useState(0);
  const pageRef = useRef(page);
  const onEvent = useCallback((e: ApiEvent) => {
    if (e.name === 'call.finished' && pageRef.current !== 'log') setUnseen((n) => n + 1);
  }, []);
  useEngineEvents(queryClient, onEvent);
  useEffect(() => onConnection?.(setLive), [onConnection]);

  const go = (id: string) => {
    pageRef.current = id as PageId;
    setPage(id as PageId);
    if (id === 'log') setUnseen(0);
    window.history.replaceState(null, '', `#${id}`);
  };

  return (
    <Tabs.Root className="app" orientation="vertical" value={page} onValueChange={go}>
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
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        <p className={`conn ${live ? 'on' : 'off'}`}>{live ? 'Connected' : 'Reconnecting…'}</p>
      </nav>
      <main className="content">
        <Tabs.Content value="tools">
          <ToolsPage />
        </Tabs.Content>
        <Tabs.Content value="log">
          <LiveLogPage live={live} />
        </Tabs.Content>
        <Tabs.Content value="audit">
          <AuditPage />
        </Tabs.Content>
        <Tabs.Content value="settings">
          <SettingsPage />
        </Tabs.Content>
      </main>
    </Tabs.Root>
  );
}
