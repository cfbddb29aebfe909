import { createInterface } from 'node:readline/promises';
import type { GrantScope } from '../../engine/policy/index.js';
import { LoadRequestError } from '../../engine/runtime/load-requests.js';
import { createLoadRequestStore, type LoadRequestRow } from '../../engine/store/load-requests.js';
import { CliError, type CliIo, type Command, UsageError } from '../command.js';
import { withStore, withWeld } from '../engine.js';
import { isoTime, table } from '../format.js';
import { cliActor, describeTarget, type PolicyContext, policyCall, withPolicy } from '../policy-cli.js';

const SCOPES: readonly GrantScope[] = ['once', 'session', 'always'];

export const requests: Command = {
  name: 'requests',
  summary: 'List capability requests waiting for you, and allow or deny them',
  usage: `Usage: weld requests [--json]
       weld requests allow <id> [--scope once|session|always]
       weld requests deny <id>
       weld requests watch

watch    stay open as a person who can answer: tools touching something not granted are held (up to
         60 s) instead of denied at once; new requests are printed, and asked about in a terminal.

Requests come from tools touching something not granted (held until answered or timed out), from
MCP clients asking for a permission, and from MCP clients asking to load a component (allowing one
installs it; if it replaces an installed component, that component's grants stay with the old code). Default scope: once for a held call, always for an MCP request.
once and session grants apply inside the Weld process that asked.`,
  options: { json: { type: 'boolean' }, scope: { type: 'string' } },
  async run({ io, values, positionals }) {
    const [sub, id, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected "${extra[0]}"`);
    if (values.scope !== undefined && sub !== 'allow') throw new UsageError('--scope is for `allow`');
    const scope = values.scope === undefined ? undefined : String(values.scope);
    if (scope !== undefined && !SCOPES.includes(scope as GrantScope))
      throw new UsageError(`--scope must be once, session or always`);
    if ((sub === 'allow' || sub === 'deny') && id && (await loadRequest(io, id))) {
      if (values.scope !== undefined) throw new UsageError('--scope is for capability requests, not for loading a component');
      return decideLoad(io, id, sub);
    }
    return withPolicy(io, (weld) =>
      policyCall(() => {
        if (sub === undefined) {
          const list = weld.policy.pending();
          const loads = createLoadRequestStore(weld.store.db).pending(Date.now());
          if (values.json) {
            io.stdout(
              `${JSON.stringify(loads.length ? [...list, ...loads.map((l) => ({ ...l, kind: 'load' }))] : list, null, 2)}\n`,
            );
            return 0;
          }
          if (loads.length) io.stdout(`Components MCP clients asked to load:\n${loadTable(loads)}\n`);
          if (!list.length) {
            io.stdout('No capability requests are waiting.\n');
            return 0;
          }
          io.stdout(
            table(
              ['ID', 'COMPONENT', 'REQUEST', 'FROM', 'ASKED', 'EXPIRES'],
              list.map((r) => [
                r.id,
                r.componentId,
                describeTarget(r.kind, r.target, r.access),
                r.origin === 'mcp' ? r.requestedBy : `call ${r.callId ?? '-'}`,
                isoTime(r.requestedAt),
                isoTime(r.expiresAt),
              ]),
            ),
          );
          return 0;
        }
        if (sub === 'watch') {
          if (id) throw new UsageError('expected: watch');
          return watch(io, weld);
        }
        if (sub !== 'allow' && sub !== 'deny') throw new UsageError(`unknown subcommand "${sub}"`);
        if (!id) throw new UsageError(`expected: ${sub} <id>`);
        const before = weld.policy.getRequest(id);
        const answer = sub === 'deny' ? 'deny' : ((scope as GrantScope | undefined) ?? before?.suggestedScope ?? 'once');
        const r = weld.policy.decide(id, answer, cliActor(io), 'cli');
        const what = `${r.componentId}: ${describeTarget(r.kind, r.target, r.access)}`;
        io.stdout(sub === 'deny' ? `Denied ${r.id} (${what})\n` : `Allowed ${r.id} (${what}) [${answer}]\n`);
        return 0;
      }),
    );
  },
};

function loadTable(loads: LoadRequestRow[]): string {
  return table(
    ['ID', 'LOAD', 'AS', 'REPLACES', 'FROM', 'EXPIRES'],
    loads.map((l) => [
      l.id,
      l.ref,
      l.componentId,
      l.replaces ? `${l.replaces.slice(0, 19)}…` : '-',
      l.requestedBy,
      isoTime(l.expiresAt),
    ]),
  );
}

async function loadRequest(io: CliIo, id: string): Promise<LoadRequestRow | undefined> {
  return withStore(io, (store) => createLoadRequestStore(store.db).get(id));
}

/** Allowing a load installs the component, so this needs the whole engine, not only the policy. */
async function decideLoad(io: CliIo, id: string, sub: 'allow' | 'deny'): Promise<number> {
  return withWeld(io, async (weld) => {
    try {
      const { request, result } = await weld.loads.decide(id, sub, cliActor(io));
      if (!result) {
        io.stdout(`Denied ${request.id}: ${request.ref} is not loaded\n`);
        return 0;
      }
      const r = result.record;
      io.stdout(`Loaded ${request.ref} as ${r.id} (${r.digest}). Tools: ${r.tools.map((t) => t.name).join(', ') || 'none'}\n`);
      const suspended = weld.policy.suspended(r.id).length;
      if (suspended)
        io.stdout(`It replaced other code: its ${suspended} grant(s) are suspended until \`weld reapprove ${r.id}\`.\n`);
      return 0;
    } catch (err) {
      if (err instanceof LoadRequestError) throw new CliError(err.message);
      throw err;
    }
  });
}

const ANSWERS: Record<string, 'once' | 'session' | 'always' | 'deny'> = { o: 'once', s: 'session', a: 'always', d: 'deny' };

/** Keeps this terminal registered as a person who can answer, until interrupted. */
async function watch(io: CliIo, weld: PolicyContext): Promise<number> {
  const stop = weld.policy.addDecider('cli');
  const interactive = process.stdin.isTTY === true;
  const queue: string[] = [];
  let asking = false;
  const rl = interactive ? createInterface({ input: process.stdin, output: process.stderr }) : null;
  const askNext = async (): Promise<void> => {
    if (asking || !rl) return;
    asking = true;
    while (queue.length) {
      const id = queue.shift() as string;
      const r = weld.policy.getRequest(id);
      if (r?.status !== 'pending') continue;
      const a = (await rl.question(`Allow ${id}? [o]nce [s]ession [a]lways [d]eny, Enter to skip: `)).trim().toLowerCase();
      if (!ANSWERS[a]) continue;
      try {
        weld.policy.decide(id, ANSWERS[a], cliActor(io), 'cli');
        io.stdout(`${ANSWERS[a] === 'deny' ? 'Denied' : 'Allowed'} ${id} [${ANSWERS[a]}]\n`);
      } catch (err) {
        io.stderr(`${(err as Error).message}\n`);
      }
    }
    asking = false;
  };
  const seen = new Set<string>();
  const offRequested = weld.events.on('capability.requested', (e) => {
    if (seen.has(e.requestId)) return;
    seen.add(e.requestId);
    io.stdout(
      `${e.requestId}  ${e.componentId}  ${describeTarget(e.kind, e.target, e.access)}${e.callId ? `  (call ${e.callId})` : ''}\n`,
    );
    queue.push(e.requestId);
    void askNext();
  });
  const offDecided = weld.events.on('capability.decided', (e) => {
    if (e.requestId) io.stdout(`${e.requestId}  ${e.decision} by ${e.by}\n`);
  });
  io.stderr(
    `Watching for capability requests${interactive ? '' : ' (answer with `weld requests allow|deny <id>`)'}; Ctrl-C to stop.\n`,
  );
  for (const r of weld.policy.pending()) {
    seen.add(r.id);
    io.stdout(`${r.id}  ${r.componentId}  ${describeTarget(r.kind, r.target, r.access)}  (waiting)\n`);
    queue.push(r.id);
  }
  void askNext();
  // The engine's own poll timer does not keep a process alive; this one does, until Ctrl-C.
  const keepAlive = setInterval(() => weld.policy.sync(), 250);
  await io.interrupted;
  clearInterval(keepAlive);
  offRequested();
  offDecided();
  rl?.close();
  stop();
  return 0;
}
