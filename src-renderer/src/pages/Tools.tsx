import * as Switch from '@radix-ui/react-switch';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { z } from 'zod';
import type { ComponentInfo } from '../../../src-preload/api.js';
import { describeCapability } from '../capabilities.js';
import { formatDate, shortDigest } from '../format.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { EmptyState, ErrorNote } from '../ui/EmptyState.js';
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
          Install one with <code>weld install oci://…</code> or a <code>.wasm</code> file; it appears here at once.
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
            {c.name} {c.version && <span className="muted">{c.version}</span>}
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
            aria-label={`Enable ${c.name}`}
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
        <div>
          <h3 className="section-title">Tools ({c.tools.length})</h3>
          {c.tools.length === 0 ? (
            <p className="muted">This component exports no tools.</p>
          ) : (
            <ul className="tool-list">
              {c.tools.map((t) => (
                <li key={t.name}>
                  <code>{t.name}</code>
                  <span className="muted">{t.description}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3 className="section-title">Asks to</h3>
          {c.requestedCapabilities.length === 0 ? (
            <p className="muted">Nothing: no files, network or environment.</p>
          ) : (
            <ul className="cap-list">
              {c.requestedCapabilities.map((cap) => {
                const d = describeCapability(cap);
                return (
                  <li key={`${cap.kind}:${cap.target}:${cap.access ?? ''}`}>
                    <span className={`risk ${d.risk}`}>{d.risk}</span>
                    <span>{d.text}</span>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      </div>
      <ErrorNote error={toggle.error ?? remove.error} />
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Remove ${c.name}?`}
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
