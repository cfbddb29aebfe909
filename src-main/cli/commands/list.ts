import type { Command } from '../command.js';
import { withStore } from '../engine.js';
import { table } from '../format.js';

export const list: Command = {
  name: 'list',
  summary: 'List installed components and their tools',
  usage: 'Usage: weld list [--json]',
  options: { json: { type: 'boolean' } },
  async run({ io, values }) {
    const components = await withStore(io, (s) => s.components.list());
    if (values.json) {
      io.stdout(
        `${JSON.stringify(
          components.map(({ wit: _wit, ...c }) => c),
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    if (components.length === 0) {
      io.stdout('No components installed. Install one with: weld install <file.wasm | oci://ref>\n');
      return 0;
    }
    io.stdout(
      table(
        ['ID', 'VERSION', 'SIGNATURE', 'ENABLED', 'TOOLS'],
        components.map((c) => [
          c.id,
          c.version ?? '-',
          c.signatureStatus,
          c.enabled ? 'yes' : 'no',
          c.tools.map((t) => t.name).join(', '),
        ]),
      ),
    );
    return 0;
  },
};
