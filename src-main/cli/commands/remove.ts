import { CliError, type Command, UsageError } from '../command.js';
import { withWeld } from '../engine.js';

export const remove: Command = {
  name: 'remove',
  summary: 'Remove an installed component, its grants and its cached code',
  usage: 'Usage: weld remove <component-id>',
  options: {},
  async run({ io, positionals }) {
    if (positionals.length !== 1) throw new UsageError('expected one component id (see weld list)');
    return withWeld(io, (weld) => {
      try {
        const record = weld.remove(positionals[0], 'cli');
        io.stdout(`removed ${record.id} (${record.digest})\n`);
        return 0;
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err));
      }
    });
  },
};
