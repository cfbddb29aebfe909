import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import type { CapabilityRequestInfo, RequestAnswer } from '../../../src-preload/api.js';
import { ARM_MS, describeCapability, requestActionable, requestSentence, timeLeft } from '../capabilities.js';
import { formatTime } from '../format.js';
import { EmptyState, ErrorNote } from '../ui/EmptyState.js';
import { useApi, useWeld } from '../weld-context.js';
import { LoadRequests } from './LoadRequests.js';

type Request = z.infer<typeof CapabilityRequestInfo>;
type Answer = z.infer<typeof RequestAnswer>;

const ANSWERS: { answer: Answer; label: string; tone: string }[] = [
  { answer: 'once', label: 'Allow once', tone: '' },
  { answer: 'session', label: 'Allow this session', tone: '' },
  { answer: 'always', label: 'Always allow', tone: '' },
  { answer: 'deny', label: 'Deny', tone: 'danger' },
];

const DONE: Record<Answer, string> = {
  once: 'Allowed once',
  session: 'Allowed until Weld restarts',
  always: 'Always allowed',
  deny: 'Denied',
};

/**
 * Ticks while something on screen counts down, so the buttons arm and the time left stays true. The
 * clock is read at each render: a tick state set when the page opened would show a request that
 * arrives later with more time left than it has.
 */
function useNow(active: boolean, ms = 250): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(t);
  }, [active, ms]);
  return Date.now();
}

export function RequestsPage() {
  const list = useApi('requests.list', {});
  const [answered, setAnswered] = useState<{ text: string; denied: boolean } | null>(null);
  // When each request first appeared on screen: its buttons arm a moment later.
  const shown = useRef(new Map<string, number>());
  const requests = list.data ?? [];
  const now = useNow(requests.length > 0);
  for (const r of requests) if (!shown.current.has(r.id)) shown.current.set(r.id, Date.now());

  return (
    <section aria-labelledby="requests-heading" className="page">
      <header className="page-header">
        <h1 id="requests-heading">Requests</h1>
        <p className="page-sub">
          A tool touched something it was not allowed. Its call waits here until you answer; no answer means no.
        </p>
      </header>
      <p className={answered ? `answered${answered.denied ? ' denied' : ''}` : 'sr-only'} role="status" aria-live="polite">
        {answered?.text ?? ''}
      </p>
      <ErrorNote error={list.error} />
      <LoadRequests />
      {list.data && requests.length === 0 && (
        <EmptyState title="No requests waiting">
          When a tool needs a file, host or variable you have not allowed, Weld holds the call and asks you here.
        </EmptyState>
      )}
      <ul className="cards">
        {requests.map((r) => (
          <li key={r.id}>
            <RequestCard
              request={r}
              actionable={requestActionable(
                { shownAt: shown.current.get(r.id) ?? now, loaded: true, expiresAt: r.expiresAt },
                now,
              )}
              now={now}
              onAnswered={(text, denied) => setAnswered({ text, denied })}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}

function RequestCard(props: {
  request: Request;
  actionable: boolean;
  now: number;
  onAnswered: (text: string, denied: boolean) => void;
}) {
  const r = props.request;
  const client = useWeld();
  const queryClient = useQueryClient();
  const d = describeCapability(r);
  const decide = useMutation({
    mutationFn: (answer: Answer) => client.invoke('requests.decide', { requestId: r.id, answer }),
    onSuccess: (_res, answer) => props.onAnswered(`${DONE[answer]}: ${requestSentence(r)}.`, answer === 'deny'),
    onSettled: () => {
      for (const key of ['requests.list', 'grants.list', 'components.list', 'audit.list']) {
        queryClient.invalidateQueries({ queryKey: [key] });
      }
    },
  });
  const titleId = `request-${r.id}`;
  const waiting = !props.actionable && props.now < r.expiresAt;
  return (
    <article className="card request" aria-labelledby={titleId}>
      <div className="card-head">
        <div>
          <h2 id={titleId} className="card-title">
            {requestSentence(r)}
          </h2>
          <p className="meta">
            <span className={`risk ${d.risk}`}>{d.risk}</span>
            {r.tool && (
              <span>
                during a call of <code>{r.tool}</code>
              </span>
            )}
          </p>
        </div>
        <p className="time-left">
          <span className="sr-only">Denied unless answered within </span>
          {timeLeft(r.expiresAt, props.now)}
          <span aria-hidden="true"> left</span>
        </p>
      </div>
      <dl className="facts">
        <dt>Component</dt>
        <dd>
          <code>{r.componentId}</code>
        </dd>
        <dt>{r.origin === 'runtime' ? 'Waiting call' : 'Asked by'}</dt>
        <dd>
          {r.origin === 'runtime' ? (
            r.tool ? (
              <>
                <code>{r.tool}</code>
                {r.client ? <span className="muted"> from {r.client}</span> : <span className="muted"> (client unknown)</span>}
              </>
            ) : (
              'A running call; the Weld process holding it did not say which tool'
            )
          ) : (
            <>{r.requestedBy} through MCP: nothing is waiting, the grant is for later calls</>
          )}
        </dd>
        {r.origin === 'runtime' && (
          <>
            <dt>Arguments</dt>
            <dd>{r.args ? <pre className="output args">{r.args}</pre> : <span className="muted">Not known</span>}</dd>
          </>
        )}
        <dt>Asks for</dt>
        <dd className="mono">
          {r.kind} {r.target}
          {r.access ? ` (${r.access})` : ''}
        </dd>
        <dt>Asked at</dt>
        <dd>{formatTime(r.requestedAt)}</dd>
      </dl>
      <fieldset className="answer-actions">
        <legend className="sr-only">Answer: {requestSentence(r)}</legend>
        {ANSWERS.map((a) => (
          <button
            key={a.answer}
            type="button"
            className={`button ${a.tone}`}
            disabled={!props.actionable || decide.isPending}
            onClick={() => decide.mutate(a.answer)}
          >
            {a.label}
          </button>
        ))}
        {waiting && (
          <span className="muted small" aria-hidden="true">
            Read it first: the buttons work in {ARM_MS / 1000} s
          </span>
        )}
      </fieldset>
      <ErrorNote error={decide.error} />
    </article>
  );
}
