import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { formatDate } from '../format.js';
import { EmptyState, ErrorNote } from '../ui/EmptyState.js';
import { useApi, useWeld } from '../weld-context.js';
import { useDebounced } from './LiveLog.js';

const PAGE = 200;
const MAX_ROWS = 5000;

export function AuditPage() {
  const client = useWeld();
  const [text, setText] = useState('');
  const search = useDebounced(text.trim(), 200);
  const [limit, setLimit] = useState(PAGE);
  const rows = useApi('audit.list', { text: search || undefined, limit });
  const verdict = useApi('audit.verify', {});
  const searchId = useId();
  const exporter = useMutation({
    mutationFn: () => client.invoke('audit.export', {}),
    onSuccess: ({ filename, jsonl }) => download(filename, jsonl),
  });

  return (
    <section aria-labelledby="audit-heading" className="page">
      <header className="page-header row">
        <div>
          <h1 id="audit-heading">Audit</h1>
          <p className="page-sub">Every install, grant and change, hash-chained so an edit cannot go unnoticed.</p>
        </div>
        <button type="button" className="button" onClick={() => exporter.mutate()} disabled={exporter.isPending}>
          Export JSONL
        </button>
      </header>
      <div
        className={`verdict ${verdict.data ? (verdict.data.ok ? 'ok' : 'bad') : 'pending'}`}
        role="status"
        aria-live="polite"
        data-testid="audit-verdict"
      >
        {!verdict.data && 'Checking the hash chain…'}
        {verdict.data?.ok &&
          `Chain verified: ${verdict.data.rows} ${verdict.data.rows === 1 ? 'entry' : 'entries'}, none edited.`}
        {verdict.data &&
          !verdict.data.ok &&
          `Tampering detected at entry ${verdict.data.seq}: ${verdict.data.reason}. Entries from there on cannot be trusted.`}
        <button type="button" className="button subtle" onClick={() => verdict.refetch()}>
          Verify again
        </button>
      </div>
      <div className="toolbar">
        <label htmlFor={searchId}>Search</label>
        <input
          id={searchId}
          type="search"
          placeholder="action, component, actor…"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <ErrorNote error={rows.error ?? verdict.error ?? exporter.error} />
      {rows.data?.length === 0 ? (
        <EmptyState title={search ? 'No entries match' : 'The audit log is empty'}>
          {search ? 'Try another search.' : 'Installs, grants and changes you make are recorded here.'}
        </EmptyState>
      ) : (
        <table className="grid">
          <caption className="sr-only">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Subject</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {rows.data?.map((r) => (
              <tr key={r.seq}>
                <td className="num mono">{r.seq}</td>
                <td>{formatDate(r.at)}</td>
                <td className="muted">{r.actor}</td>
                <td>
                  <code>{r.action}</code>
                </td>
                <td>{r.subject}</td>
                <td className="mono detail-cell" title={JSON.stringify(r.detail)}>
                  {JSON.stringify(r.detail)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows.data && rows.data.length === limit && (
        <div className="more">
          {limit < MAX_ROWS ? (
            <button type="button" className="button" onClick={() => setLimit((l) => Math.min(l + PAGE, MAX_ROWS))}>
              Show older entries
            </button>
          ) : (
            <p className="muted">Showing the newest {MAX_ROWS} entries. Search to find older ones, or export the full log.</p>
          )}
        </div>
      )}
    </section>
  );
}

/** A download made in the page: works the same in Electron and in a browser, without a server round trip. */
function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
