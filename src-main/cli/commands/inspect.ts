import { analyzeComponent } from '../../engine/runtime/analyze.js';
import { ComponentFileError, componentLimitFromEnv } from '../../engine/runtime/component-file.js';
import { resolveSource, SourceError } from '../../engine/runtime/sources.js';
import { CliError, type Command, UsageError } from '../command.js';
import { formatAnalysis } from '../component-report.js';
import { openRegistry, registryCall } from '../registry.js';

export const inspect: Command = {
  name: 'inspect',
  summary: 'Show the tools, input schemas and requested capabilities of a component without installing it',
  usage: `Usage: weld inspect <component.wasm | oci://host/repo[:tag|@sha256:...]> [--policy policy.yaml] [--json]

For an OCI reference the signature is checked and shown; an unsigned component is still inspected.`,
  options: { policy: { type: 'string' }, json: { type: 'boolean' }, wit: { type: 'boolean' } },
  async run({ io, values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('expected one component file or oci:// reference');
    const src = await registryCall(() =>
      resolveSource(positionals[0], {
        policyPath: values.policy as string | undefined,
        allowUnsigned: true,
        registry: () => openRegistry(io),
        maxFileBytes: componentLimitFromEnv(io.env),
      }),
    ).catch((err: unknown) => {
      if (err instanceof SourceError || err instanceof ComponentFileError) throw new CliError(err.message);
      throw err;
    });
    let analysis: Awaited<ReturnType<typeof analyzeComponent>>;
    try {
      analysis = await analyzeComponent(src.bytes, src.policyYaml);
    } catch (err) {
      throw new CliError(err instanceof Error ? err.message : String(err));
    }
    const signature =
      src.signatureStatus === 'local'
        ? 'none (local file)'
        : src.signatureStatus === 'verified'
          ? `verified: ${src.publisher}`
          : 'NOT VERIFIED';
    if (values.json) {
      const { wit, policy: _p, ...rest } = analysis;
      io.stdout(
        `${JSON.stringify({ source: src.sourceRef, signature: src.signatureStatus, publisher: src.publisher, ...rest, wit }, null, 2)}\n`,
      );
      return 0;
    }
    io.stdout(
      formatAnalysis(analysis, [
        ['source', src.sourceRef],
        ['signature', signature],
      ]),
    );
    if (values.wit) io.stdout(`\n${analysis.wit}\n`);
    return 0;
  },
};
