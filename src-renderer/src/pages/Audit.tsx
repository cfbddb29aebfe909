import { useMutation } from '@tanstack/react-query';
import { Fragment, useId, useState } from 'react';
import type { z } from 'zod';
import type { AuditInfo } from '../../../src-preload/api.js';
import { ACTION_WORDS, actionWords } from '../audit-actions.js';
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
  const [subject, setSubject] = useState('');
  const [action, setAction] = useState('');
  const [opened, setOpened] = useState<Set<number>>(new Set());
  const rows = useApi('audit.list', {
    text: search || undefined,
    subject: subject || undefined,
    action: action || undefined,
    limit,
  });
  const components = useApi('components.list', {});
  const verdict = useApi('audit.verify', {});
  const ids = useId();
  const filtered = Boolean(search || subject || action);
  const toggle = (seq: number) => {
    const next = new Set(opened);
    if (!next.delete(seq)) next.add(seq);
    setOpened(next);
  };
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
        <label htmlFor={`${ids}-search`}>Search</label>
        <input
          id={`${ids}-search`}
          type="search"
          placeholder="action, component, actor…"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <label htmlFor={`${ids}-component`}>Component</label>
        <select id={`${ids}-component`} value={subject} onChange={(e) => setSubject(e.target.value)}>
          <option value="">All</option>
          {(components.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.id}
            </option>
          ))}
        </select>
        <label htmlFor={`${ids}-action`}>Action</label>
        <select id={`${ids}-action`} value={action} onChange={(e) => setAction(e.target.value)}>
          <option value="">All</option>
          {Object.entries(ACTION_WORDS).map(([name, words]) => (
            <option key={name} value={name}>
              {words}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote error={rows.error ?? verdict.error ?? exporter.error} />
      {rows.data?.length === 0 ? (
        <EmptyState title={filtered ? 'No entries match' : 'The audit log is empty'}>
          {filtered ? 'Try another search or filter.' : 'Installs, grants and changes you make are recorded here.'}
        </EmptyState>
      ) : (
        <table className="grid stack audit">
          <caption className="sr-only">Audit entries, newest first. Each one can be opened for its full record.</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">When</th>
              <th scope="col">What happened</th>
              <th scope="col">Subject</th>
              <th scope="col">Who</th>
              <th scope="col">
                <span className="sr-only">Details</span>
              </th>
            </tr>
          </thead>
          {rows.data?.map((r) => (
            <AuditEntry key={r.seq} row={r} open={opened.has(r.seq)} onToggle={() => toggle(r.seq)} />
          ))}
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

/** One entry: a row to scan, and its full record one Enter away (a button, so the keyboard reaches it). */
function AuditEntry({ row: r, open, onToggle }: { row: z.infer<typeof AuditInfo>; open: boolean; onToggle: () => void }) {
  const detailId = `audit-entry-${r.seq}`;
  return (
    <tbody className={open ? 'open' : undefined}>
      <tr>
        <td className="num mono" data-label="#">
          {r.seq}
        </td>
        <td className="when" data-label="When">
          {formatDate(r.at)}
        </td>
        <td data-label="What happened">
          {actionWords(r.action)}
          {actionWords(r.action) !== r.action && <code className="action-name">{r.action}</code>}
        </td>
        <td data-label="Subject">{r.subject}</td>
        <td className="muted" data-label="Who">
          {r.actor}
        </td>
        <td>
          <button type="button" className="button subtle small" aria-expanded={open} aria-controls={detailId} onClick={onToggle}>
            {open ? 'Hide' : 'Details'}
            <span className="sr-only"> of entry {r.seq}</span>
          </button>
        </td>
      </tr>
      {open && (
        <tr className="entry-detail">
          <td colSpan={6} id={detailId}>
            <dl className="facts">
              <dt>Action</dt>
              <dd className="mono">{r.action}</dd>
              <dt>When</dt>
              <dd>{new Date(r.at).toISOString()}</dd>
              {Object.entries(r.detail).map(([k, v]) => (
                <Fragment key={k}>
                  <dt>{k}</dt>
                  <dd className="mono">{typeof v === 'string' ? v : JSON.stringify(v, null, 2)}</dd>
                </Fragment>
              ))}
              <dt>Entry hash</dt>
              <dd className="mono">{r.hash}</dd>
            </dl>
          </td>
        </tr>
      )}
    </tbody>
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
