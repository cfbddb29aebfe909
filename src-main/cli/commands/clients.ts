import { existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { table } from '../format.js';
import { CLIENTS } from '../mcp-clients/clients.js';
import { platformInfo } from '../mcp-clients/endpoint.js';
import { hasServerEntry } from '../mcp-clients/merge.js';

export const clients: Command = {
  name: 'clients',
  summary: 'List the MCP clients found on this machine and whether they use Weld',
  usage: `Usage: weld clients [--json]

Looks for the config files of Claude Desktop, VS Code, Cursor, Windsurf and Zed.
Set one up with: weld config <client> --write`,
  options: { json: { type: 'boolean' } },
  async run({ io, values }) {
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
