import * as Switch from '@radix-ui/react-switch';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { z } from 'zod';
import type { ComponentInfo } from '../../../src-preload/api.js';
import { canApproveInAdvance, describeCapability } from '../capabilities.js';
import { formatDate, shortDigest } from '../format.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { EmptyState, ErrorNote } from '../ui/EmptyState.js';
import { ToolList } from '../ui/ToolList.js';
import { useApi, useWeld } from '../weld-context.js';

type Component = z.infer<typeof ComponentInfo>;

const SIGNATURE: Record<Component['signatureStatus'], { label: string; tone: string }> = {
  verified: { label: 'Signature verified', tone: 'ok' },
  local: { label: 'Local file', tone: 'neutral' },
  'allowed-unsigned': { label: 'Unsigned (allowed)', tone: 'warn' },
  unsigned: { label: 'Unsigned', tone: 'bad' },
};

export function ToolsPage() {
  const list = useApi('components.list', {});
  return (
    <section aria-labelledby="tools-heading" className="page">
      <header className="page-header">
        <h1 id="tools-heading">Tools</h1>
        <p className="page-sub">WebAssembly components installed in Weld and what each one asks to use.</p>
      </header>
      <ErrorNote error={list.error} />
      {list.data?.length === 0 && (
        <EmptyState title="No tools installed yet">
          <a href="#install">Install one</a> from a registry or a <code>.wasm</code> file, or run <code>weld install</code>; it
          appears here at once.
        </EmptyState>
      )}
      <ul className="cards">
        {list.data?.map((c) => (
          <li key={c.id}>
            <ComponentCard component={c} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function ComponentCard({ component: c }: { component: Component }) {
  const client = useWeld();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const switchId = useId();
  const refresh = () => {
    queryClient.invalidateQueries({ queryKey: ['components.list'] });
    queryClient.invalidateQueries({ queryKey: ['audit.list'] });
  };
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => client.invoke('components.setEnabled', { id: c.id, enabled }),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => client.invoke('components.remove', { id: c.id }),
    onSuccess: () => setConfirming(false),
    onSettled: refresh,
  });
  const sig = SIGNATURE[c.signatureStatus];
  return (
    <article className={`card${c.enabled ? '' : ' is-disabled'}`} aria-labelledby={`${switchId}-name`}>
      <div className="card-head">
        <div>
          <h2 id={`${switchId}-name`} className="card-title">
            {c.id} {c.version && <span className="muted">{c.version}</span>}
          </h2>
          <p className="meta">
            <span className={`badge ${sig.tone}`}>{sig.label}</span>
            {c.publisher && (
              <span className="publisher" title={c.publisher}>
                by {publisherName(c.publisher)}
              </span>
            )}
          </p>
        </div>
        <div className="card-actions">
          <span className="switch-label" aria-hidden="true">
            {c.enabled ? 'Enabled' : 'Disabled'}
          </span>
          <Switch.Root
            id={switchId}
            className="switch"
            checked={c.enabled}
            disabled={toggle.isPending}
            onCheckedChange={(v) => toggle.mutate(v)}
            aria-label={`Enable ${c.id}`}
          >
            <Switch.Thumb className="switch-thumb" />
          </Switch.Root>
          <button type="button" className="button subtle" onClick={() => setConfirming(true)}>
            Remove
          </button>
        </div>
      </div>
      <dl className="facts">
        <dt>Source</dt>
        <dd className="mono">{c.sourceRef}</dd>
        <dt>Digest</dt>
        <dd className="mono" title={c.digest}>
          {shortDigest(c.digest)}
        </dd>
        <dt>Installed</dt>
        <dd>{formatDate(c.installedAt)}</dd>
      </dl>
      <div className="card-cols">
        <ToolList tools={c.tools} />
        <Permissions component={c} />
      </div>
      <ErrorNote error={toggle.error ?? remove.error} />
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Remove ${c.id}?`}
        confirmLabel="Remove"
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
      >
        <p>
          Its {c.tools.length === 1 ? 'tool stops' : `${c.tools.length} tools stop`} being offered to MCP clients and its grants
          are deleted. The audit log keeps the history.
        </p>
      </ConfirmDialog>
    </article>
  );
}

/** Sigstore identities are long URLs; the repository path is what a person recognises. */
function publisherName(identity: string): string {
  const m = /^https:\/\/github\.com\/([^/]+\/[^/]+)/.exec(identity);
  return m ? m[1] : identity;
}

type Requested = Component['requestedCapabilities'][number];

/** What the component asks for, what it was allowed, and the controls to take an allowance back or give one. */
function Permissions({ component: c }: { component: Component }) {
  const client = useWeld();
  const queryClient = useQueryClient();
  const perms = useApi('grants.list', { componentId: c.id });
  const refresh = () => {
    for (const key of ['grants.list', 'audit.list']) queryClient.invalidateQueries({ queryKey: [key] });
  };
  const revoke = useMutation({
    mutationFn: (g: { kind: Requested['kind']; target: string }) =>
      client.invoke('grants.revoke', { componentId: c.id, kind: g.kind, target: g.target }),
    onSettled: refresh,
  });
  const allow = useMutation({
    mutationFn: (cap: Requested) =>
      client.invoke('grants.add', {
        componentId: c.id,
        capability:
          cap.kind === 'storage'
            ? { kind: cap.kind, target: cap.target, access: cap.access?.includes('write') ? 'read,write' : 'read' }
            : { kind: cap.kind, target: cap.target },
      }),
    onSettled: refresh,
  });
  const reapprove = useMutation({
    mutationFn: () => client.invoke('grants.reapprove', { componentId: c.id }),
    onSettled: refresh,
  });
  const grants = perms.data?.grants ?? [];
  const suspended = perms.data?.suspended ?? [];
  const requested = perms.data?.requested ?? c.requestedCapabilities.map((r) => ({ ...r, granted: false }));
  const notGranted = requested.filter((r) => !r.granted);
  return (
    <div>
      {suspended.length > 0 && (
        <div className="notice" role="status">
          <p>
            The code of {c.id} changed since you allowed it these. They are suspended: the new code cannot use them until you
            allow them again.
          </p>
          <ul className="cap-list">
            {suspended.map((g) => {
              const d = describeCapability(g);
              return (
                <li key={g.id}>
                  <span className={`risk ${d.risk}`}>{d.risk}</span>
                  <span>{d.text}</span>
                </li>
              );
            })}
          </ul>
          <button type="button" className="button" disabled={reapprove.isPending} onClick={() => reapprove.mutate()}>
            Allow them for the new code
          </button>
        </div>
      )}
      <h3 className="section-title">Allowed</h3>
      {grants.length === 0 ? (
        <p className="muted">Nothing yet: Weld asks you when a tool needs something.</p>
      ) : (
        <ul className="cap-list">
          {grants.map((g) => {
            const d = describeCapability(g);
            return (
              <li key={g.id}>
                <span className={`risk ${d.risk}`}>{d.risk}</span>
                <span>
                  {d.text}
                  {g.scope !== 'always' && <span className="muted"> ({g.scope === 'session' ? 'this session' : 'once'})</span>}
                </span>
                <button
                  type="button"
                  className="button subtle small"
                  disabled={revoke.isPending}
                  onClick={() => revoke.mutate(g)}
                  aria-label={`Revoke: ${d.text}`}
                >
                  Revoke
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {notGranted.length > 0 && (
        <>
          <h3 className="section-title spaced">Asks for, not allowed</h3>
          <ul className="cap-list">
            {notGranted.map((cap) => {
              const d = describeCapability(cap);
              return (
                <li key={`${cap.kind}:${cap.target}:${cap.access ?? ''}`}>
                  <span className={`risk ${d.risk}`}>{d.risk}</span>
                  <span>{d.text}</span>
                  {canApproveInAdvance(cap) && (
                    <button
                      type="button"
                      className="button subtle small"
                      disabled={allow.isPending}
                      onClick={() => allow.mutate(cap)}
                      aria-label={`Allow: ${d.text}`}
                    >
                      Allow
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
      <ErrorNote error={perms.error ?? revoke.error ?? allow.error ?? reapprove.error} />
    </div>
  );
}
