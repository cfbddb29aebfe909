import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { ErrorNote } from '../ui/EmptyState.js';
import { useApi, useWeld } from '../weld-context.js';

export function SettingsPage() {
  const settings = useApi('settings.get', {});
  const s = settings.data;
  return (
    <section aria-labelledby="settings-heading" className="page">
      <header className="page-header">
        <h1 id="settings-heading">Settings</h1>
        <p className="page-sub">Where Weld keeps its data and how MCP clients reach it.</p>
      </header>
      <ErrorNote error={settings.error} />
      {s && (
        <>
          <div className="panel">
            <h2 className="section-title">Endpoints</h2>
            {/* Only what this process serves: a row for an endpoint nobody listens on would send clients nowhere. */}
            <dl className="facts wide">
              {s.socketPath && (
                <>
                  <dt>Unix socket</dt>
                  <dd className="mono">{s.socketPath}</dd>
                  <dt>stdio clients</dt>
                  <dd>
                    <code>weld connect</code> bridges them to the socket (the entry below)
                  </dd>
                </>
              )}
              {s.httpUrl && (
                <>
                  <dt>HTTP</dt>
                  <dd className="mono">{s.httpUrl}</dd>
                </>
              )}
              <dt>This UI</dt>
              <dd>{s.shell === 'electron' ? 'Desktop app' : 'Web UI on 127.0.0.1, protected by a one-time token'}</dd>
            </dl>
            {!s.socketPath && !s.httpUrl && (
              <p className="muted">
                This process serves no MCP endpoint. Clients reach Weld when it runs with <code>npm start</code> or{' '}
                <code>weld serve --socket --ui</code>.
              </p>
            )}
          </div>
          <div className="panel">
            <div className="panel-head">
              <h2 className="section-title">Client set-up</h2>
              <CopyButton text={s.clientConfig} label="Copy client config" />
            </div>
            <p className="muted">
              Paste this into your MCP client's configuration (for Claude Desktop: <code>claude_desktop_config.json</code>).
            </p>
            <pre className="output">{s.clientConfig}</pre>
          </div>
          <CallHistory days={s.callHistoryDays} />
          <div className="panel">
            <h2 className="section-title">About</h2>
            <dl className="facts wide">
              <dt>Version</dt>
              <dd>{s.version}</dd>
              <dt>Data directory</dt>
              <dd className="mono">{s.dataDir}</dd>
            </dl>
          </div>
        </>
      )}
    </section>
  );
}

/** The choices offered; a value set from the CLI that is not among them is shown as well. */
const KEEP_CHOICES: (number | null)[] = [7, 30, 90, 365, null];

const keepLabel = (days: number | null) => (days === null ? 'Forever' : days === 1 ? '1 day' : `${days} days`);

function CallHistory({ days }: { days: number | null }) {
  const client = useWeld();
  const queryClient = useQueryClient();
  const id = useId();
  const save = useMutation({
    mutationFn: (next: number | null) => client.invoke('settings.setCallHistory', { days: next }),
    onSettled: () => {
      for (const key of ['settings.get', 'calls.list', 'audit.list']) queryClient.invalidateQueries({ queryKey: [key] });
    },
  });
  const choices = KEEP_CHOICES.includes(days) ? KEEP_CHOICES : [...KEEP_CHOICES, days];
  return (
    <div className="panel">
      <h2 className="section-title">Call history</h2>
      <div className="toolbar">
        <label htmlFor={id}>Keep tool calls for</label>
        <select
          id={id}
          value={days ?? 'forever'}
          disabled={save.isPending}
          onChange={(e) => save.mutate(e.target.value === 'forever' ? null : Number(e.target.value))}
        >
          {choices.map((d) => (
            <option key={d ?? 'forever'} value={d ?? 'forever'}>
              {keepLabel(d)}
            </option>
          ))}
        </select>
        <span className="muted" role="status" aria-live="polite">
          {save.isPending
            ? 'Removing older calls…'
            : save.data
              ? `Saved. ${save.data.removed === 1 ? '1 older call was' : `${save.data.removed} older calls were`} removed.`
              : ''}
        </span>
      </div>
      <ErrorNote error={save.error} />
      <p className="muted">
        Older calls, and the file, network and environment uses listed with them, are removed once a day. The audit log keeps
        every install, grant and capability decision, is never trimmed, and notes each removal.
      </p>
    </div>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      className="button"
      onClick={() =>
        navigator.clipboard.writeText(text).then(
          () => setState('copied'),
          () => setState('failed'),
        )
      }
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text' : label}
    </button>
  );
}
