import { type Command, UsageError } from '../command.js';
import { capabilityKind, cliActor, describeTarget, policyCall, withPolicy } from '../policy-cli.js';

export const revoke: Command = {
  name: 'revoke',
  summary: 'Take a granted path, host or environment variable away from a component',
  usage: `Usage: weld revoke <component> <kind> <target> [--access read|write]

  storage <fs-uri|/abs/path> [--access write]   without --access the whole grant goes
  network <host[:port]|cidr>
  env <KEY>

Give the target as it was granted (see \`weld policy show <component>\`).`,
  options: { access: { type: 'string' } },
  async run({ io, values, positionals }) {
    if (positionals.length !== 3) throw new UsageError('expected: <component> <kind> <target>');
    const [componentId, kindWord, target] = positionals;
    const kind = capabilityKind(kindWord);
    if (values.access !== undefined && kind !== 'storage') throw new UsageError('--access is for storage grants only');
    return withPolicy(io, (weld) =>
      policyCall(() => {
        const r = weld.policy.revoke({
          componentId,
          kind,
          target,
          access: values.access === undefined ? undefined : String(values.access),
          by: cliActor(io),
        });
        for (const g of r.removed)
          io.stdout(`Revoked from ${componentId}: ${describeTarget(g.kind, g.target, g.access)} [${g.scope}]\n`);
        for (const g of r.narrowed)
          io.stdout(`Narrowed ${componentId}: ${describeTarget(g.kind, g.target, g.access)} remains [${g.scope}]\n`);
        return 0;
      }),
    );
  },
};
