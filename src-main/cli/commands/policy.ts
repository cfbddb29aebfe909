import { writeFileSync } from 'node:fs';
import { type Command, UsageError } from '../command.js';
import { isoTime, table } from '../format.js';
import { describeTarget, policyCall, withPolicy } from '../policy-cli.js';

export const policy: Command = {
  name: 'policy',
  summary: "Show a component's requests and grants, or export them as a policy file",
  usage: `Usage: weld policy show <component> [--json]
       weld policy export <component> [--output FILE]

show     what the component asks for, what is granted (and by whom), pending requests, limits
export   the current grants as a policy-mcp / Wassette YAML policy`,
  options: { json: { type: 'boolean' }, output: { type: 'string', short: 'o' } },
  async run({ io, values, positionals }) {
    const [sub, componentId, ...extra] = positionals;
    if (!componentId || extra.length) throw new UsageError('expected: show|export <component>');
    return withPolicy(io, (weld) =>
      policyCall(() => {
        if (sub === 'export') {
          const yaml = weld.policy.exportPolicy(componentId);
          if (typeof values.output === 'string') {
            writeFileSync(values.output, yaml);
            io.stderr(`Wrote the policy of ${componentId} to ${values.output}\n`);
          } else io.stdout(yaml);
          return 0;
        }
        if (sub !== 'show') throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'expected a subcommand');
        const requested = weld.policy.requested(componentId);
        const grants = weld.policy.grants(componentId);
        const suspended = weld.policy.suspended(componentId);
        const pending = weld.policy.pending(componentId);
        const plan = weld.policy.plan(componentId);
        const secrets = weld.policy.secrets.keys(componentId);
        if (values.json) {
          io.stdout(
            `${JSON.stringify({ componentId, requested, grants, suspended, pending, limits: plan.limits, denyGlobs: plan.denyGlobs, secrets }, null, 2)}\n`,
          );
          return 0;
        }
        io.stdout(`Component ${componentId}\n\nRequested:\n`);
        io.stdout(
          requested.length
            ? indent(
                table(
                  ['KIND', 'TARGET', 'ACCESS', 'FROM', 'GRANTED'],
                  requested.map((c) => [c.kind, c.target, c.access ?? '', c.source, c.granted ? 'yes' : 'no']),
                ),
              )
            : '  nothing\n',
        );
        io.stdout('\nGranted:\n');
        io.stdout(
          grants.length
            ? indent(
                table(
                  ['KIND', 'TARGET', 'ACCESS', 'SCOPE', 'BY', 'WHEN', 'EXPIRES'],
                  grants.map((g) => [
                    g.kind,
                    g.target,
                    g.access,
                    g.scope,
                    g.decidedBy,
                    isoTime(g.decidedAt),
                    g.expiresAt ? isoTime(g.expiresAt) : '-',
                  ]),
                ),
              )
            : '  nothing (session grants of a running `weld serve` live in that process only)\n',
        );
        if (suspended.length) {
          io.stdout(`\nSuspended (given to other code; \`weld reapprove ${componentId}\` gives them to this one):\n`);
          for (const g of suspended)
            io.stdout(
              `  ${describeTarget(g.kind, g.target, g.access)}  granted to ${g.digest?.slice(0, 19) ?? 'unknown code'}…\n`,
            );
        }
        if (pending.length) {
          io.stdout('\nPending requests (weld requests allow|deny <id>):\n');
          for (const p of pending)
            io.stdout(`  ${p.id}  ${describeTarget(p.kind, p.target, p.access)}  asked by ${p.requestedBy}\n`);
        }
        if (secrets.length) io.stdout(`\nSecrets set: ${secrets.join(', ')}\n`);
        io.stdout(`\nLimits: memory ${plan.limits.memoryBytes / 1024 ** 2} MiB, timeout ${plan.limits.timeoutMs / 1000} s\n`);
        return 0;
      }),
    );
  },
};

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}
