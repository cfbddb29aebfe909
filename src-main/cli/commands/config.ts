import { DEFAULT_HTTP_PORT } from '../../engine/mcp/transports/endpoints.js';
import { CliError, type Command, UsageError } from '../command.js';
import { CLIENTS, type ClientTransport, findClient } from '../mcp-clients/clients.js';
import { platformInfo, weldEndpoint } from '../mcp-clients/endpoint.js';
import { mergeServerEntry } from '../mcp-clients/merge.js';

const NAME = 'weld';

export const config: Command = {
  name: 'config',
  summary: "Print or write Weld's entry in an MCP client's config",
  usage: `Usage: weld config <client> [--transport stdio|http] [--port PORT] [--write]

Clients: ${CLIENTS.map((c) => c.id).join(', ')}

  --transport   stdio (through \`weld connect\`, needs Weld running) or http (token in the entry);
                default: ${CLIENTS.map((c) => `${c.id} ${c.transports[0]}`).join(', ')}
  --port PORT   the port of \`weld serve --http\` (default ${DEFAULT_HTTP_PORT})
  --write       merge the entry into the client's config file: other servers are kept, the old file is
                copied to <file>.weld-backup-<time> first, and a file that is not plain JSON is left alone`,
  options: { transport: { type: 'string' }, port: { type: 'string' }, write: { type: 'boolean' } },
  async run({ io, values, positionals }) {
    const [id, ...extra] = positionals;
    if (!id || extra.length) throw new UsageError('name one client');
    const client = findClient(id);
    if (!client) throw new UsageError(`unknown client "${id}"`);
    const transport = (values.transport ?? client.transports[0]) as ClientTransport;
    if (!client.transports.includes(transport)) {
      throw new UsageError(`${client.name} supports --transport ${client.transports.join(' or ')}`);
    }
    const port = values.port === undefined ? DEFAULT_HTTP_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new UsageError(`--port: "${values.port}" is not a port number`);

    const entry = client.entry(weldEndpoint(io, port), transport);
    const snippet = `${JSON.stringify({ [client.serversKey]: { [NAME]: entry } }, null, 2)}\n`;
    const path = client.configPath(platformInfo(io));
    if (!values.write) {
      io.stdout(path ? `// Add to ${path}\n${snippet}` : snippet);
      return 0;
    }
    if (!path) throw new UsageError(`${client.name} has no config file to write; copy the snippet instead`);
    const result = mergeServerEntry({ path, serversKey: client.serversKey, name: NAME, entry });
    if (result.status === 'refused') throw new CliError(`${result.reason}. Add this entry by hand:\n${snippet}`);
    if (result.status === 'unchanged') io.stdout(`${client.name} already uses Weld (${path}).\n`);
    else {
      io.stdout(`${result.replaced ? 'Updated' : 'Added'} the "${NAME}" server in ${path}.\n`);
      if (result.backup) io.stdout(`The previous file is saved as ${result.backup}.\n`);
      io.stdout(`Restart ${client.name} to pick it up.\n`);
    }
    return 0;
  },
};
