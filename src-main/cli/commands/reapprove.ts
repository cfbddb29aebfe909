import { type Command, UsageError } from '../command.js';
import { cliActor, describeTarget, policyCall, withPolicy } from '../policy-cli.js';

export const reapprove: Command = {
  name: 'reapprove',
  summary: 'Give the grants of a replaced component back to its new code',
  usage: `Usage: weld reapprove <component>

A grant belongs to the code it was given to. When other code is installed under the same name (an
update, a file of the same name), its grants are suspended until you re-approve them for the new code.
See them first with \`weld policy show <component>\`.`,
  options: {},
  async run({ io, positionals }) {
    if (positionals.length !== 1) throw new UsageError('expected: <component>');
    const [componentId] = positionals;
    return withPolicy(io, (weld) =>
      policyCall(() => {
        const suspended = weld.policy.suspended(componentId);
        if (suspended.length === 0) {
          io.stdout(`${componentId} has no suspended grants.\n`);
          return 0;
        }
        weld.policy.reapprove(componentId, cliActor(io));
        for (const g of suspended) io.stdout(`Re-approved for ${componentId}: ${describeTarget(g.kind, g.target, g.access)}\n`);
        return 0;
      }),
    );
  },
};
