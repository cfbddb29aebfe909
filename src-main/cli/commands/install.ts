import { resolveSource, SourceError } from '../../engine/runtime/sources.js';
import { CliError, type Command, UsageError } from '../command.js';
import { formatAnalysis } from '../component-report.js';
import { withWeld } from '../engine.js';
import { registryCall } from '../registry.js';

export const install: Command = {
  name: 'install',
  summary: 'Install a component from a file or an OCI registry',
  usage: `Usage: weld install <component.wasm | file://... | oci://host/repo[:tag|@sha256:...]> [options]

  --policy <file>     the component's policy (what it will ask for); OCI components may ship one
  --name <id>         install under this id (default: from the file or repository name)
  --yes               approve the capabilities the component requests without asking
  --allow-unsigned    install an OCI component whose signature is missing or untrusted (audited)
  --json              print the result as JSON

Installing grants nothing by itself: you approve each requested capability (or later: weld grant).`,
  options: {
    policy: { type: 'string' },
    name: { type: 'string' },
    yes: { type: 'boolean' },
    'allow-unsigned': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ io, values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('expected one component file or oci:// reference');
    return withWeld(io, async (weld) => {
      const src = await registryCall(() =>
        resolveSource(positionals[0], {
          policyPath: values.policy as string | undefined,
          allowUnsigned: Boolean(values['allow-unsigned']),
          registry: weld.registry,
        }),
      ).catch((err: unknown) => {
        if (err instanceof SourceError) throw new CliError(err.message);
        throw err;
      });
      let result: Awaited<ReturnType<typeof weld.install>>;
      try {
        result = await weld.install(src, { id: values.name as string | undefined, actor: 'cli' });
      } catch (err) {
        throw new CliError(`not installed: ${err instanceof Error ? err.message : String(err)}`);
      }
      const { record, analysis } = result;
      if (values.json) {
        const { wit: _wit, ...rest } = record;
        io.stdout(
          `${JSON.stringify({ ...rest, unchanged: result.unchanged, replaced: result.replaced?.digest ?? null }, null, 2)}\n`,
        );
        return 0;
      }
      const verb = result.unchanged
        ? 'already installed'
        : result.replaced
          ? `updated (was ${result.replaced.digest.slice(0, 19)}…)`
          : 'installed';
      const publisher =
        record.signatureStatus === 'local'
          ? 'local file (unsigned)'
          : `${record.publisher ?? 'unknown'} (${record.signatureStatus})`;
      io.stdout(
        `${record.id} ${verb}\n${formatAnalysis(analysis, [
          ['source', record.sourceRef],
          ['publisher', publisher],
        ])}`,
      );
      return 0;
    });
  },
};
