import { useState } from 'react';
import { ErrorNote } from '../ui/EmptyState.js';
import { useApi } from '../weld-context.js';

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
            <dl className="facts wide">
              <dt>stdio</dt>
              <dd>
                <code>weld serve --stdio</code>
              </dd>
              <dt>Unix socket</dt>
              <dd className="mono">{s.socketPath}</dd>
              <dt>HTTP</dt>
              <dd className="mono">{s.httpUrl ?? 'Not served by this process'}</dd>
              <dt>This UI</dt>
              <dd>{s.shell === 'electron' ? 'Desktop app' : 'Web UI on 127.0.0.1, protected by a one-time token'}</dd>
            </dl>
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
