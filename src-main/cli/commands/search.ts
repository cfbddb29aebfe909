import { catalogSources, searchCatalogs } from '../../engine/registry/catalog.js';
import { type Command, UsageError } from '../command.js';
import { dataDir } from '../engine.js';
import { table } from '../format.js';
import { registryCall } from '../registry.js';

export const search: Command = {
  name: 'search',
  summary: 'Search the component catalog',
  usage: `Usage: weld search <term...> [--catalog file.json] [--json]

Reads --catalog, else $WELD_CATALOG, else <data dir>/catalog.json (if present) and the bundled catalog.
A catalog is a JSON list of { "name", "description", "uri": "oci://..." }.`,
  options: { catalog: { type: 'string' }, json: { type: 'boolean' } },
  async run({ io, values, positionals }) {
    const term = positionals.join(' ').trim();
    if (!term) throw new UsageError('expected a search term');
    const explicit = (values.catalog as string | undefined) ?? (io.env.WELD_CATALOG || undefined);
    const hits = await registryCall(() => searchCatalogs(catalogSources(dataDir(io), explicit), term));
    if (values.json) io.stdout(`${JSON.stringify(hits, null, 2)}\n`);
    else if (hits.length === 0) io.stdout(`No components match "${term}".\n`);
    else
      io.stdout(
        table(
          ['NAME', 'URI', 'DESCRIPTION'],
          hits.map((h) => [h.name, h.uri, h.description]),
        ),
      );
    return 0;
  },
};
