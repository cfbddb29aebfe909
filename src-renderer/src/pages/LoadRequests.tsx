import { useMutation, useQueryClient } from '@tanstack/react-query';
import { formatTime } from '../format.js';
import { ErrorNote } from '../ui/EmptyState.js';
import { useApi, useWeld } from '../weld-context.js';

/**
 * Components an MCP client asked to load. A client cannot install code by itself: it would replace a
 * tool the person trusts, so the person decides here, seeing what would be replaced.
 */
export function LoadRequests() {
  const client = useWeld();
  const queryClient = useQueryClient();
  const list = useApi('loads.list', {});
  const decide = useMutation({
    mutationFn: (v: { requestId: string; answer: 'allow' | 'deny' }) => client.invoke('loads.decide', v),
    onSettled: () => {
      for (const key of ['loads.list', 'components.list', 'grants.list', 'audit.list'])
        queryClient.invalidateQueries({ queryKey: [key] });
    },
  });
  const loads = list.data ?? [];
  if (loads.length === 0 && !decide.error) return null;
  return (
    <section aria-labelledby="loads-heading">
      <h2 id="loads-heading" className="section-title">
        Components a client asked to load
      </h2>
      {loads.map((l) => (
        <article key={l.id} className="card request" aria-labelledby={`load-${l.id}`}>
          <h3 id={`load-${l.id}`} className="card-title">
            {l.replaces ? `Replace the tool "${l.componentId}" with other code?` : `Install "${l.componentId}"?`}
          </h3>
          <p className="meta">
            <span className="mono">{l.ref}</span>
          </p>
          <p className="muted">
            Asked by {l.requestedBy} at {formatTime(l.requestedAt)}.
            {l.replaces
              ? ` It replaces the installed code ${l.replaces.slice(0, 19)}…; what you allowed that code does not carry over.`
              : ' It gets no file, network or environment access until you allow it.'}
          </p>
          <fieldset className="answer-actions">
            <legend className="sr-only">Answer: load {l.ref}</legend>
            <button
              type="button"
              className="button"
              disabled={decide.isPending}
              onClick={() => decide.mutate({ requestId: l.id, answer: 'allow' })}
            >
              {l.replaces ? 'Replace' : 'Install'}
            </button>
            <button
              type="button"
              className="button danger"
              disabled={decide.isPending}
              onClick={() => decide.mutate({ requestId: l.id, answer: 'deny' })}
            >
              Refuse
            </button>
          </fieldset>
        </article>
      ))}
      <ErrorNote error={decide.error} />
    </section>
  );
}
