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

/** Ticks while something on screen counts down, so the buttons arm and the time left stays true. */
function useNow(active: boolean, ms = 250): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [active, ms]);
  return now;
}

export function RequestsPage() {
  const list = useApi('requests.list', {});
  const [answered, setAnswered] = useState<string | null>(null);
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
      <p className={answered ? 'answered' : 'sr-only'} role="status" aria-live="polite">
        {answered ?? ''}
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
              onAnswered={(text) => setAnswered(text)}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}

function RequestCard(props: { request: Request; actionable: boolean; now: number; onAnswered: (text: string) => void }) {
  const r = props.request;
  const client = useWeld();
  const queryClient = useQueryClient();
  const d = describeCapability(r);
  const decide = useMutation({
    mutationFn: (answer: Answer) => client.invoke('requests.decide', { requestId: r.id, answer }),
    onSuccess: (_res, answer) => props.onAnswered(`${DONE[answer]}: ${requestSentence(r)}.`),
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
            <span className="mono">
              {r.kind} {r.target}
              {r.access ? ` (${r.access})` : ''}
            </span>
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
        <dt>{r.origin === 'runtime' ? 'During' : 'Asked by'}</dt>
        <dd>
          {r.origin === 'runtime' ? (
            r.tool ? (
              <>
                a call of <code>{r.tool}</code>
                {r.client && <span className="muted"> from {r.client}</span>}
              </>
            ) : (
              'a running call (in another Weld process)'
            )
          ) : (
            <>{r.requestedBy} through MCP: nothing is waiting, the grant is for later calls</>
          )}
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
