import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventBus } from '../events.js';
import type { Store } from '../store/index.js';
import { createLoadRequestStore, type LoadRequestRow } from '../store/load-requests.js';
import { componentIdFrom, type InstallResult } from './install.js';

export class LoadRequestError extends Error {
  constructor(
    message: string,
    readonly code: 'bad-input' | 'not-found' | 'already-decided',
  ) {
    super(message);
  }
}

export interface LoadRequests {
  /**
   * An MCP client asks to load `ref`. Nothing is read, pulled or installed here (so a client learns
   * nothing about local paths and cannot make Weld read /dev/zero): a person decides first.
   */
  request(ref: unknown, by: string): { request: LoadRequestRow; created: boolean };
  pending(): LoadRequestRow[];
  get(id: string): LoadRequestRow | undefined;
  /** A person's answer. Allowing installs now; if that fails the request says why. */
  decide(id: string, answer: 'allow' | 'deny', by: string): Promise<{ request: LoadRequestRow; result?: InstallResult }>;
}

const DEFAULT_TTL_MS = 24 * 3_600_000;

/** The component id a reference would install as, judged from the text alone. */
function idOf(ref: string): string {
  if (ref.startsWith('oci://')) {
    const repo = ref.slice('oci://'.length).replace(/[@:][^/]*$/, '');
    return componentIdFrom(repo.split('/').pop() ?? repo);
  }
  let path: string;
  try {
    path = fileURLToPath(ref);
  } catch {
    throw new LoadRequestError(`"${ref}" is not a valid file:// URL of an absolute path`, 'bad-input');
  }
  return componentIdFrom(basename(path));
}

export function createLoadRequests(deps: {
  store: Store;
  events: EventBus;
  install: (ref: string, actor: string) => Promise<InstallResult>;
  now?: () => number;
  ttlMs?: number;
}): LoadRequests {
  const { store, events } = deps;
  const now = deps.now ?? Date.now;
  const rows = createLoadRequestStore(store.db);
  const changed = (requestId: string) => events.emit('loads.changed', { requestId });

  return {
    request(ref, by) {
      if (typeof ref !== 'string' || ref.length > 2048 || !/^(file|oci):\/\/./.test(ref))
        throw new LoadRequestError('give the component as file:///abs/path/tool.wasm or oci://registry/repo:tag', 'bad-input');
      let componentId: string;
      try {
        componentId = idOf(ref);
      } catch (err) {
        if (err instanceof LoadRequestError) throw err;
        throw new LoadRequestError((err as Error).message, 'bad-input');
      }
      const t = now();
      const replaces = store.components.get(componentId)?.digest ?? null;
      const open = rows.findOpen(ref, t);
      if (open && open.replaces === replaces) return { request: open, created: false };
      const row = {
        id: randomBytes(5).toString('hex'),
        ref,
        componentId,
        replaces,
        requestedBy: by,
        requestedAt: t,
        expiresAt: t + (deps.ttlMs ?? DEFAULT_TTL_MS),
      };
      store.db
        .transaction(() => {
          rows.insert(row);
          store.audit.appendInTx([
            {
              at: t,
              actor: by,
              action: 'component.load-requested',
              subject: componentId,
              detail: { requestId: row.id, ref, replaces: row.replaces },
            },
          ]);
        })
        .immediate();
      changed(row.id);
      return { request: rows.get(row.id) as LoadRequestRow, created: true };
    },

    pending: () => rows.pending(now()),
    get: (id) => (typeof id === 'string' ? rows.get(id) : undefined),

    async decide(id, answer, by) {
      if (answer !== 'allow' && answer !== 'deny')
        throw new LoadRequestError(`unknown answer "${answer}": use allow or deny`, 'bad-input');
      const row = typeof id === 'string' ? rows.get(id) : undefined;
      if (!row) throw new LoadRequestError(`no load request "${id}" (see \`weld requests\`)`, 'not-found');
      const t = now();
      const expired = row.status === 'pending' && row.expiresAt <= t;
      // The person was shown what the load would replace; if that changed since, their answer is about
      // other code, so the request ends and the client has to ask again.
      const stale = !expired && answer === 'allow' && (store.components.get(row.componentId)?.digest ?? null) !== row.replaces;
      const status = expired || stale ? 'expired' : answer === 'allow' ? 'allowed' : 'denied';
      const actor = expired ? 'weld:timeout' : stale ? 'weld:out-of-date' : by;
      const won = store.db
        .transaction(() => {
          if (!rows.decide({ id: row.id, status, decidedBy: actor, decidedAt: t })) return false;
          store.audit.appendInTx([
            {
              at: t,
              actor,
              action: 'component.load-decided',
              subject: row.componentId,
              detail: {
                requestId: row.id,
                ref: row.ref,
                answer: expired ? 'expired' : stale ? 'out of date' : answer,
                replaces: row.replaces,
              },
            },
          ]);
          return true;
        })
        .immediate();
      if (won) changed(row.id);
      if (won && stale)
        throw new LoadRequestError(
          `load request ${row.id} is out of date: "${row.componentId}" was ${row.replaces ? 'changed' : 'installed'} since the client asked, so it has to ask again`,
          'already-decided',
        );
      if (!won || expired) {
        const current = rows.get(row.id) as LoadRequestRow;
        throw new LoadRequestError(
          `load request ${row.id} was already ${current.status}${current.decidedBy ? ` by ${current.decidedBy}` : ''}`,
          'already-decided',
        );
      }
      if (answer === 'deny') return { request: rows.get(row.id) as LoadRequestRow };
      try {
        const result = await deps.install(row.ref, by);
        rows.settle(row.id, 'allowed', result.record.digest);
        changed(row.id);
        return { request: rows.get(row.id) as LoadRequestRow, result };
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        rows.settle(row.id, 'failed', why);
        store.audit.append([
          {
            at: now(),
            actor: by,
            action: 'component.load-failed',
            subject: row.componentId,
            detail: { requestId: row.id, ref: row.ref, error: why.slice(0, 500) },
          },
        ]);
        changed(row.id);
        throw new LoadRequestError(`allowed, but ${row.ref} could not be installed: ${why}`, 'bad-input');
      }
    },
  };
}
