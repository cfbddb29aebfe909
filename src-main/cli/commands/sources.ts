import { componentSources, setComponentSource } from '../../engine/runtime/component-sources.js';
import { type Command, UsageError } from '../command.js';
import { dataDir, withStore } from '../engine.js';
import { cliActor } from '../policy-cli.js';

export const sources: Command = {
  name: 'sources',
  summary: 'Folders from which MCP clients may add components without asking you',
  usage: `Usage: weld sources                 list the folders
       weld sources add <folder>    let MCP clients load new components from this folder
       weld sources remove <folder>

An MCP client's load-component asks you first (Requests page, \`weld requests\`), and Weld does not look
at the path it names. A load from a folder listed here adds the component at once (with no file, network
or environment access until you grant it); a load that would replace an installed component still asks.
Useful for the folder you build your own components into.`,
  options: {},
  async run({ io, positionals }) {
    const [sub, folder, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected "${extra[0]}"`);
    return withStore(io, (store) => {
      if (sub === undefined) {
        const list = componentSources(store);
        io.stdout(list.length ? `${list.join('\n')}\n` : 'No component sources: every load-component asks you.\n');
        return 0;
      }
      if (sub !== 'add' && sub !== 'remove') throw new UsageError(`unknown subcommand "${sub}": use add or remove`);
      if (folder === undefined) throw new UsageError(`expected: sources ${sub} <folder>`);
      let list: string[];
      try {
        list = setComponentSource(store, folder, sub === 'add', cliActor(io), dataDir(io));
      } catch (err) {
        if (err instanceof RangeError) throw new UsageError(err.message);
        throw err;
      }
      io.stdout(
        sub === 'add'
          ? `MCP clients may now add components from ${list[list.length - 1]} without asking you.\n`
          : `Loads from ${folder} ask you again. ${list.length ? `Still sources: ${list.join(', ')}` : 'No component sources left'}.\n`,
      );
      return 0;
    });
  },
};
