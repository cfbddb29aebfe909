import type { CatalogEntry } from '../registry/catalog.js';
import { RegistryError } from '../registry/errors.js';
import { errorResult, type ToolDefinition, textResult } from './tool-table.js';

/** Catalog search for MCP clients. It only lists; installing needs a person's approval. */
export function registryTools(deps: { searchComponents: (query: string) => CatalogEntry[] }): ToolDefinition[] {
  return [
    {
      name: 'search-components',
      description:
        'Search the catalog of WebAssembly MCP components that can be installed into Weld. Returns name, description and oci:// URI of each match.',
      inputSchema: {
        type: 'object',
        properties: {
          query: { type: 'string', minLength: 1, maxLength: 200, description: 'Words to look for in name, description or URI' },
        },
        required: ['query'],
        additionalProperties: false,
      },
      componentId: null,
      async invoke(args) {
        try {
          const components = deps.searchComponents(String(args.query));
          const text = components.length
            ? components.map((c) => `${c.name} — ${c.uri}\n  ${c.description}`).join('\n')
            : `No components match "${args.query}".`;
          return textResult(text, { components });
        } catch (err) {
          if (err instanceof RegistryError) return errorResult(err.message);
          throw err;
        }
      },
    },
  ];
}
