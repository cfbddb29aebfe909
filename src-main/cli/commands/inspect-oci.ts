import { type Command, UsageError } from '../command.js';
import { openRegistry, registryCall } from '../registry.js';

export const inspectOci: Command = {
  name: 'inspect-oci',
  summary: 'Show publisher, digest, size and signature of a component in a registry',
  usage: `Usage: weld inspect-oci <oci://host/repo[:tag|@sha256:...]> [--json]

Downloads the manifest, config and signatures only, never the component itself.`,
  options: { json: { type: 'boolean' } },
  async run({ io, values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('expected one oci:// reference');
    const registry = await openRegistry(io);
    const info = await registryCall(() => registry.inspect(positionals[0]));
    if (values.json) {
      io.stdout(`${JSON.stringify(info, null, 2)}\n`);
      return 0;
    }
    const sig = info.signature;
    io.stdout(
      `${[
        `reference: ${info.reference}`,
        `digest:    ${info.digest}`,
        `size:      ${info.size} bytes`,
        `publisher: ${sig.verified ? sig.publisher : `NOT VERIFIED (${sig.reason})`}`,
        `policy:    ${info.hasPolicy ? 'included' : 'none'}`,
        `exports:   ${info.config?.component?.exports.join(', ') || '-'}`,
        `imports:   ${info.config?.component?.imports.join(', ') || '-'}`,
      ].join('\n')}\n`,
    );
    return sig.verified ? 0 : 1;
  },
};
