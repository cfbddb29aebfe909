import { useEffect, useId, useState } from 'react';
import { CallStatus } from '../../../src-preload/api.js';
import { formatDuration, formatTime } from '../format.js';
import { CallChart } from '../ui/CallChart.js';
import { EmptyState, ErrorNote } from '../ui/EmptyState.js';
import { useApi } from '../weld-context.js';

type Status = (typeof CallStatus.options)[number];

export function LiveLogPage({ live }: { live: boolean }) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState<Status | ''>('');
  const [selected, setSelected] = useState<string | null>(null);
  const search = useDebounced(text.trim(), 200);
  const calls = useApi('calls.list', { text: search || undefined, status: status || undefined, limit: 500 });
  const ids = { search: useId(), status: useId() };
  // The chart's right edge is when the data was fetched, so it does not drift while nothing changes.
  const now = calls.dataUpdatedAt || Date.now();

  return (
    <section aria-labelledby="log-heading" className="page">
      <header className="page-header row">
        <div>
          <h1 id="log-heading">Live log</h1>
          <p className="page-sub">Every tool call from every MCP client, as it happens.</p>
        </div>
        <output className={`live ${live ? 'on' : 'off'}`}>{live ? 'Live' : 'Reconnecting…'}</output>
      </header>
      <CallChart calls={calls.data ?? []} now={now} />
      <div className="toolbar">
        <label htmlFor={ids.search}>Search</label>
        <input
          id={ids.search}
          type="search"
          placeholder="tool, client, error…"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <label htmlFor={ids.status}>Status</label>
        <select id={ids.status} value={status} onChange={(e) => setStatus(e.target.value as Status | '')}>
          <option value="">All</option>
          {CallStatus.options.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <span className="muted count">{calls.data ? `${calls.data.length} calls` : ''}</span>
      </div>
      <ErrorNote error={calls.error} />
      <div className={`split${selected ? ' with-detail' : ''}`}>
        {calls.data?.length === 0 ? (
          <EmptyState title={search || status ? 'No calls match' : 'No calls yet'}>
            {search || status
              ? 'Try another search or status.'
              : 'Connect an MCP client (see Settings) and call a tool: it shows up here within a second.'}
          </EmptyState>
        ) : (
          <table className="grid stack">
            <caption className="sr-only">Tool calls, newest first. Choose a row to see its details.</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Tool</th>
                <th scope="col">Client</th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {calls.data?.map((c) => (
                <tr key={c.id} className={selected === c.id ? 'selected' : undefined}>
                  <td className="mono" data-label="Time">
                    {formatTime(c.startedAt)}
                  </td>
                  <td data-label="Tool">
                    <button
                      type="button"
                      className="link"
                      aria-pressed={selected === c.id}
                      onClick={() => setSelected(selected === c.id ? null : c.id)}
                    >
                      {c.tool}
                    </button>
                  </td>
                  <td className="muted" data-label="Client">
                    {c.client ?? '—'}
                  </td>
                  <td className="num mono" data-label="Duration">
                    {formatDuration(c.durationUs)}
                  </td>
                  <td data-label="Status">
                    <span className={`status ${c.status}`}>{c.status}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {selected && <CallDetail id={selected} onClose={() => setSelected(null)} />}
      </div>
    </section>
  );
}

function CallDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const call = useApi('calls.get', { id });
  const c = call.data;
  return (
    <aside className="detail" aria-label="Call details">
      <div className="detail-head">
        <h2>{c?.tool ?? 'Call'}</h2>
        <button type="button" className="button subtle" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorNote error={call.error} />
      {c && (
        <>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <span className={`status ${c.status}`}>{c.status}</span>
            </dd>
            <dt>Started</dt>
            <dd>{new Date(c.startedAt).toLocaleString()}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(c.durationUs)}</dd>
            <dt>Client</dt>
            <dd>{c.client ?? '—'}</dd>
            <dt>Component</dt>
            <dd>{c.componentId ?? 'Weld (built-in)'}</dd>
            <dt>Call id</dt>
            <dd className="mono">{c.id}</dd>
          </dl>
          <h3 className="section-title">Arguments</h3>
          {c.args ? (
            <pre className="output" aria-describedby={`${id}-args-note`}>
              {prettyArgs(c.args)}
            </pre>
          ) : (
            <p className="muted">Not recorded (a call from before Weld kept arguments).</p>
          )}
          <p id={`${id}-args-note`} className="muted small">
            {c.argsSize} bytes. Secret fields and the values of granted environment variables show as ••••••.
          </p>
          {c.error && (
            <>
              <h3 className="section-title">Error</h3>
              <pre className="output error">{c.error}</pre>
            </>
          )}
          <h3 className="section-title">Output</h3>
          {c.output ? <pre className="output">{c.output}</pre> : <p className="muted">No text output.</p>}
          <h3 className="section-title">Capability checks</h3>
          {c.capabilityEvents.length === 0 ? (
            <p className="muted">This call used no files, network or environment.</p>
          ) : (
            <ul className="cap-list">
              {c.capabilityEvents.map((e) => (
                <li key={`${e.at}-${e.kind}-${e.target}-${e.access}-${e.decision}`}>
                  <span className={`status ${e.decision === 'allowed' ? 'ok' : 'denied'}`}>{e.decision}</span>
                  <span className="mono">
                    {e.kind} {e.target} {e.access}
                  </span>
                  {e.count > 1 && <span className="muted small">{e.count} times</span>}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </aside>
  );
}

/** Indented when the preview is whole JSON; a cut preview is shown as it was kept. */
function prettyArgs(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}
