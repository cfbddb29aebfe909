import { existsSync } from 'node:fs';
import { promptClients, setPromptClient } from '../../engine/mcp/prompt-clients.js';
import { type CliIo, type Command, UsageError } from '../command.js';
import { withStore } from '../engine.js';
import { table } from '../format.js';
import { CLIENTS } from '../mcp-clients/clients.js';
import { platformInfo } from '../mcp-clients/endpoint.js';
import { hasServerEntry } from '../mcp-clients/merge.js';
import { cliActor } from '../policy-cli.js';

export const clients: Command = {
  name: 'clients',
  summary: 'List the MCP clients found on this machine and whether they use Weld',
  usage: `Usage: weld clients [--json]
       weld clients trust-prompts [<name>]     let this MCP client ask you for permissions (elicitation)
       weld clients untrust-prompts <name>

Looks for the config files of Claude Desktop, VS Code, Cursor, Windsurf and Zed.
Set one up with: weld config <client> --write

trust-prompts: when a call from this client touches something not granted, Weld also asks you inside
the client (once or this session, never always). <name> is the client's own name, as the Live Log
shows it before the "/version". Risk: whatever answers for that client answers for you, and any
program on this machine can call itself by that name. Without <name>: the list.`,
  options: { json: { type: 'boolean' } },
  async run({ io, values, positionals }) {
    const [sub, name, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected "${extra[0]}"`);
    if (sub === 'trust-prompts' || sub === 'untrust-prompts') return trustPrompts(io, sub === 'trust-prompts', name);
    if (sub !== undefined) throw new UsageError(`unknown subcommand "${sub}"`);
    const p = platformInfo(io);
    const found = CLIENTS.flatMap((c) => {
      const path = c.configPath(p);
      const dir = c.appDir(p);
      if (!path || !dir) return [];
      const configExists = existsSync(path);
      if (!configExists && !existsSync(dir)) return [];
      return [
        {
          id: c.id,
          name: c.name,
          config: path,
          configExists,
          usesWeld: configExists && hasServerEntry(path, c.serversKey, 'weld'),
        },
      ];
    });
    if (values.json) {
      io.stdout(`${JSON.stringify(found, null, 2)}\n`);
      return 0;
    }
    if (!found.length) {
      io.stdout('No MCP clients found. `weld config generic` prints an entry for any client.\n');
      return 0;
    }
    io.stdout(
      table(
        ['CLIENT', 'ID', 'WELD', 'CONFIG'],
        found.map((c) => [c.name, c.id, c.usesWeld ? 'yes' : 'no', c.configExists ? c.config : `${c.config} (not created yet)`]),
      ),
    );
    return 0;
  },
};

async function trustPrompts(io: CliIo, trusted: boolean, name: string | undefined): Promise<number> {
  return withStore(io, (store) => {
    if (name === undefined) {
      if (!trusted) throw new UsageError('expected: untrust-prompts <name>');
      const list = promptClients(store);
      io.stdout(list.length ? `${list.join('\n')}\n` : 'No MCP client may ask you for permissions.\n');
      return 0;
    }
    let list: string[];
    try {
      list = setPromptClient(store, name, trusted, cliActor(io));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    io.stdout(
      trusted
        ? `${name.trim()} may now ask you for permissions while it waits for a tool (once or this session).\n`
        : `${name.trim()} no longer asks you for permissions; ${list.length ? `still trusted: ${list.join(', ')}` : 'no client is trusted to ask'}.\n`,
    );
    return 0;
  });
}
