import type { GrantScope } from '../../engine/policy/index.js';
import { type Command, UsageError } from '../command.js';
import { withWeld } from '../engine.js';
import { isoTime, table } from '../format.js';
import { cliActor, describeTarget, policyCall } from '../policy-cli.js';

const SCOPES: readonly GrantScope[] = ['once', 'session', 'always'];

export const requests: Command = {
  name: 'requests',
  summary: 'List capability requests waiting for you, and allow or deny them',
  usage: `Usage: weld requests [--json]
       weld requests allow <id> [--scope once|session|always]
       weld requests deny <id>

Requests come from tools touching something not granted (held until answered or timed out) and from
MCP clients asking for a permission. Default scope: once for a held call, always for an MCP request.
once and session grants apply inside the Weld process that asked.`,
  options: { json: { type: 'boolean' }, scope: { type: 'string' } },
  async run({ io, values, positionals }) {
    const [sub, id, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected "${extra[0]}"`);
    if (values.scope !== undefined && sub !== 'allow') throw new UsageError('--scope is for `allow`');
    const scope = values.scope === undefined ? undefined : String(values.scope);
    if (scope !== undefined && !SCOPES.includes(scope as GrantScope))
      throw new UsageError(`--scope must be once, session or always`);
    return withWeld(io, (weld) =>
      policyCall(() => {
        if (sub === undefined) {
          const list = weld.policy.pending();
          if (values.json) {
            io.stdout(`${JSON.stringify(list, null, 2)}\n`);
            return 0;
          }
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
        if (sub !== 'allow' && sub !== 'deny') throw new UsageError(`unknown subcommand "${sub}"`);
        if (!id) throw new UsageError(`expected: ${sub} <id>`);
        const before = weld.policy.getRequest(id);
        const answer = sub === 'deny' ? 'deny' : ((scope as GrantScope | undefined) ?? before?.suggestedScope ?? 'once');
        const r = weld.policy.decide(id, answer, cliActor(io));
        const what = `${r.componentId}: ${describeTarget(r.kind, r.target, r.access)}`;
        io.stdout(sub === 'deny' ? `Denied ${r.id} (${what})\n` : `Allowed ${r.id} (${what}) [${answer}]\n`);
        return 0;
      }),
    );
  },
};
