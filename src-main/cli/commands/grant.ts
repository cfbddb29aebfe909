import { parseExpiry } from '../../engine/policy/quantities.js';
import { type Command, UsageError } from '../command.js';
import { isoTime } from '../format.js';
import { capabilityKind, cliActor, describeTarget, policyCall, withPolicy } from '../policy-cli.js';

export const grant: Command = {
  name: 'grant',
  summary: 'Let a component use a path, host or environment variable',
  usage: `Usage: weld grant <component> <kind> <target> [options]

  storage <fs-uri|/abs/path> --access read[,write]   files: fs:///abs/**, fs://~/notes, fs://name (its workspace)
  network <host[:port]|cidr>                         e.g. api.github.com:443, *.example.com, 10.0.0.0/8
  env <KEY>                                          value from Weld's environment or \`weld secret set\`

Options:
  --access read|write|read,write   storage access (default read)
  --expires <30m|8h|7d>            the grant ends by itself after this long`,
  options: { access: { type: 'string' }, expires: { type: 'string' } },
  async run({ io, values, positionals }) {
    if (positionals.length !== 3) throw new UsageError('expected: <component> <kind> <target>');
    const [componentId, kindWord, target] = positionals;
    const kind = capabilityKind(kindWord);
    if (values.access !== undefined && kind !== 'storage') throw new UsageError('--access is for storage grants only');
    let expiresAt: number | null = null;
    if (values.expires !== undefined) {
      try {
        expiresAt = Date.now() + parseExpiry(String(values.expires));
      } catch (err) {
        throw new UsageError(`--expires: ${(err as Error).message}`);
      }
    }
    return withPolicy(io, (weld) =>
      policyCall(() => {
        const g = weld.policy.grant({
          componentId,
          kind,
          target,
          access: kind === 'storage' ? String(values.access ?? 'read') : undefined,
          expiresAt,
          by: cliActor(io),
        });
        const until = g.expiresAt ? `, until ${isoTime(g.expiresAt)}` : '';
        io.stdout(`Granted ${componentId}: ${describeTarget(g.kind, g.target, g.access)} [${g.scope}${until}]\n`);
        if (g.target !== target && kind === 'storage') io.stderr(`(${target} means ${g.target})\n`);
        return 0;
      }),
    );
  },
};
