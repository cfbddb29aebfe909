import { DEFAULT_HTTP_PORT } from '../../engine/mcp/transports/endpoints.js';
import { loadOrCreateToken, tokenPath } from '../../engine/mcp/transports/http-token.js';
import { CliError, type Command, UsageError } from '../command.js';
import { dataDir } from '../engine.js';
import { CLIENTS, type ClientTransport, findClient } from '../mcp-clients/clients.js';
import { configSnippet, platformInfo, SERVER_NAME, weldEndpoint } from '../mcp-clients/endpoint.js';
import { lastingLauncher } from '../mcp-clients/launcher.js';
import { mergeServerEntry } from '../mcp-clients/merge.js';

export const config: Command = {
  name: 'config',
  summary: "Print or write Weld's entry in an MCP client's config",
  usage: `Usage: weld config <client> [--transport stdio|http] [--port PORT] [--write]

Clients: ${CLIENTS.map((c) => c.id).join(', ')}

  --transport   stdio (through \`weld connect\`, needs Weld running) or http (token in the entry, or
                for VS Code a secret prompt VS Code keeps);
                default: ${CLIENTS.map((c) => `${c.id} ${c.transports[0]}`).join(', ')}
  --port PORT   the port of \`weld serve --http\` (default ${DEFAULT_HTTP_PORT})
  --write       merge the entry into the client's config file: other servers are kept, the old file is
                copied to <file>.weld-backup-<time> first, and a file that is not plain JSON is left alone;
                a file holding the token is written 0600

stdout is exactly the JSON to paste; notes go to stderr.`,
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

    const launcher = lastingLauncher(io.env);
    if (!launcher) {
      throw new CliError(
        `this weld runs from npm's cache (${process.argv[1]}), which npm may delete; a client config must not point there.\n` +
          'Install the command first (in the Weld checkout: npm install -g .), then run `weld config` again.',
      );
    }
    const home = dataDir(io);
    const weld = weldEndpoint(home, launcher, port);
    // The token exists before the person is told to paste it, whether or not the entry carries it.
    if (transport === 'http') loadOrCreateToken(home);
    const entry = client.entry(weld, transport);
    const snippet = configSnippet(client, weld, transport);
    const path = client.configPath(platformInfo(io));
    const inputs = client.inputs?.(transport);
    // A bearer token in the entry itself (not a client-side secret prompt) must not end up world-readable.
    const secret = transport === 'http' && !inputs;
    const notes = [
      inputs ? `${client.name} asks for the token once and keeps it; paste the contents of ${tokenPath(home)}.` : '',
      transport === 'stdio'
        ? 'The entry starts `weld connect`, which needs Weld running (npm start, or weld serve --socket --ui).'
        : '',
    ].filter(Boolean);
    if (!values.write) {
      // stdout is exactly the JSON, so `weld config cursor > mcp.json` works; the rest goes to stderr.
      io.stdout(snippet);
      if (path) io.stderr(`Add this to ${path} (or run: weld config ${client.id} --write).\n`);
      if (secret) io.stderr("It holds Weld's HTTP token: keep the file readable by you only (chmod 600).\n");
      for (const note of notes) io.stderr(`${note}\n`);
      return 0;
    }
    if (!path) throw new UsageError(`${client.name} has no config file to write; copy the snippet instead`);
    const result = mergeServerEntry({ path, serversKey: client.serversKey, name: SERVER_NAME, entry, inputs, secret });
    if (result.status === 'refused') throw new CliError(`${result.reason}. Add this entry by hand:\n${snippet}`);
    if (result.status === 'unchanged') io.stdout(`${client.name} already uses Weld (${path}).\n`);
    else {
      io.stdout(`${result.replaced ? 'Updated' : 'Added'} the "${SERVER_NAME}" server in ${path}.\n`);
      if (result.backup) io.stdout(`The previous file is saved as ${result.backup}.\n`);
      io.stdout(`Restart ${client.name} to pick it up.\n`);
    }
    for (const note of notes) io.stderr(`${note}\n`);
    return 0;
  },
};
