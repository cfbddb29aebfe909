import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { ErrorNote } from '../ui/EmptyState.js';
import { StringListEditor } from '../ui/StringListEditor.js';
import { useApi, useWeld } from '../weld-context.js';
import { TrustSection } from './TrustSection.js';

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
          <TrustSection />
          <PromptClients trusted={s.promptClients} />
          <ComponentSources folders={s.componentSources} />
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

/** A call log's client is `name/version`; the opt-in list holds the name. */
const clientName = (client: string) => client.replace(/\/[^/]*$/, '');

function PromptClients({ trusted }: { trusted: string[] }) {
  const client = useWeld();
  const change = useSettingChange((v: { name: string; trusted: boolean }) => client.invoke('settings.setPromptClient', v));
  const calls = useApi('calls.list', { limit: 500 });
  const seen = [...new Set((calls.data ?? []).flatMap((c) => (c.client ? [clientName(c.client)] : [])))].filter(
    (n) => !trusted.includes(n),
  );
  return (
    <div className="panel">
      <h2 className="section-title">Permission prompts in MCP clients</h2>
      <p className="muted">
        When a call from one of these clients touches something not granted, Weld also asks you inside that client (allow once or
        this session; never always), besides this window, the desktop notification and <code>weld requests watch</code>. The first
        answer counts. Risk: whatever answers for that client answers for you, and any program on this computer can call itself by
        a trusted client's name.
      </p>
      <StringListEditor
        items={trusted}
        empty="No client may ask you."
        removeLabel={(n) => `Stop asking in ${n}`}
        inputLabel="Client name"
        addLabel="Let it ask me"
        maxLength={100}
        suggestions={seen}
        pending={change.isPending}
        error={change.error}
        change={(name, trusted) => change.mutateAsync({ name, trusted })}
      />
      {seen.length > 0 && <p className="muted small">Clients seen in the call log: {seen.join(', ')}.</p>}
    </div>
  );
}

function ComponentSources({ folders }: { folders: string[] }) {
  const client = useWeld();
  const change = useSettingChange((v: { folder: string; trusted: boolean }) => client.invoke('settings.setComponentSource', v));
  return (
    <div className="panel">
      <h2 className="section-title">Component sources</h2>
      <p className="muted">
        An MCP client's <code>load-component</code> waits for you on the Requests page. From these folders (for example where you
        build your own components) a client may add a new component at once; it still gets no file, network or environment access
        until you grant it, and replacing an installed component still asks you.
      </p>
      <StringListEditor
        items={folders}
        empty="No component sources: every load asks you."
        removeLabel={(f) => `Ask again for ${f}`}
        inputLabel="Folder"
        addLabel="Mark as component source"
        maxLength={4096}
        placeholder="/home/you/dev/tools/build"
        pending={change.isPending}
        error={change.error}
        change={(folder, trusted) => change.mutateAsync({ folder, trusted })}
      />
    </div>
  );
}

/** A list setting's change: the settings and the audit log it writes to are read again afterwards. */
function useSettingChange<V>(save: (v: V) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: save,
    onSettled: () => {
      for (const k of ['settings.get', 'audit.list']) queryClient.invalidateQueries({ queryKey: [k] });
    },
  });
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
