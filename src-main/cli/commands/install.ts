import { grantCommand } from '../../engine/policy/index.js';
import { auditRefusedInstall } from '../../engine/runtime/install.js';
import { SourceError } from '../../engine/runtime/sources.js';
import type { Weld } from '../../engine/weld.js';
import { CliError, type CliIo, type Command, UsageError } from '../command.js';
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
      const refused = (reason: string) =>
        auditRefusedInstall(weld.store.recorder, {
          actor: 'cli',
          id: values.name as string | undefined,
          source: positionals[0],
          name: positionals[0],
          reason,
        });
      const src = await registryCall(() =>
        weld.source(positionals[0], {
          policyPath: values.policy as string | undefined,
          allowUnsigned: Boolean(values['allow-unsigned']),
        }),
      ).catch((err: unknown) => {
        // Expected refusals (unreadable file, bad or unsigned artifact) are audited; a crash is not a decision.
        if (err instanceof SourceError || err instanceof CliError) refused(err.message);
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
      const approval = await approve(io, weld, record.id, Boolean(values.yes), result.unchanged);
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
      io.stdout(approval);
      return 0;
    });
  },
};

/**
 * Installing never grants by itself: the person approves what the component requests, with --yes or at
 * the prompt. Without either (no terminal), nothing is granted and the exact commands are printed.
 */
async function approve(io: CliIo, weld: Weld, id: string, yes: boolean, unchanged: boolean): Promise<string> {
  const pending = weld.policy.requested(id).filter((c) => !c.granted);
  // A `*` request comes from the WIT imports alone: nothing specific to approve, the tool asks when used.
  const open = pending.filter((c) => c.target !== '*');
  const wild = pending.filter((c) => c.target === '*').map((c) => c.kind);
  let note = wild.length
    ? `Its imports can also reach: ${wild.join(', ')}. Nothing is granted for them; a tool that tries gets a request or a denial.\n`
    : '';
  const suspended = weld.policy.suspended(id).length;
  if (suspended)
    note += `${suspended} grant${suspended === 1 ? '' : 's'} given to the code this replaced ${suspended === 1 ? 'is' : 'are'} suspended: \`weld policy show ${id}\` lists them, \`weld reapprove ${id}\` gives them to this code.\n`;
  if (open.length === 0) return unchanged ? '' : `Nothing to approve.\n${note}`;
  const ok = yes || (io.confirm ? await io.confirm(`Allow ${id} the ${open.length} capabilities it requests?`) : false);
  if (!ok) {
    const commands = open.map((c) => `  ${grantCommand(id, c.kind, c.target, c.access)}`);
    return `Not granted yet. To allow them:\n${commands.join('\n')}\n${note}`;
  }
  const { granted } = weld.policy.approveRequested(id, 'cli');
  const lines = granted.map((g) => `  granted ${g.kind} ${g.target}${g.access ? ` (${g.access})` : ''}`);
  return `${lines.join('\n')}\n${note}`;
}
