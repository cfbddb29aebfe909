import { LoadRequestError } from '../runtime/load-requests.js';
import type { ComponentRecord } from '../store/components.js';
import type { LoadRequestRow } from '../store/load-requests.js';
import { errorResult, type ToolDefinition, textResult } from './tool-table.js';

export interface ComponentToolDeps {
  /** Asks the person to load `ref`; reads and installs nothing by itself. */
  load(ref: unknown, client: string | null): { request: LoadRequestRow; created: boolean };
  unload(id: string): ComponentRecord;
}

/**
 * load-component / unload-component, as in Wassette, with one difference: loading is a request a person
 * confirms in Weld. A client that could install code by itself could also replace a tool the person
 * trusts; and reading the path it names would tell it which files exist.
 */
export function componentTools(deps: ComponentToolDeps): ToolDefinition[] {
  return [
    {
      name: 'load-component',
      description:
        'Ask the person to install a WebAssembly component into Weld from a file:// path or an oci:// reference (signature verified). Nothing is installed until they approve it in Weld; the component then gets no file, network or environment access until they grant it.',
      inputSchema: {
        type: 'object',
        properties: {
          path: {
            type: 'string',
            pattern: '^(file|oci)://',
            maxLength: 2048,
            description: 'file:///abs/path/tool.wasm or oci://registry/repo:tag',
          },
        },
        required: ['path'],
        additionalProperties: false,
      },
      componentId: null,
      async invoke(args, ctx) {
        try {
          const { request: r } = deps.load(args.path, ctx.client);
          const replacing = r.replaces
            ? ` It would replace the installed component "${r.componentId}" (${r.replaces.slice(0, 19)}…); the grants the person gave that code do not carry over.`
            : '';
          const text =
            `Weld asked the person to approve loading ${r.ref} as "${r.componentId}" (request ${r.id}).${replacing} ` +
            `Nothing is loaded until they approve it in the Weld app (Requests) or with \`weld requests allow ${r.id}\`; ` +
            'tools/list changes once it is installed.';
          return textResult(text, { requestId: r.id, componentId: r.componentId, replaces: r.replaces, status: r.status });
        } catch (err) {
          if (err instanceof LoadRequestError) return errorResult(`Not requested: ${err.message}`);
          throw err;
        }
      },
    },
    {
      name: 'unload-component',
      description: 'Remove an installed component from Weld, with its tools, grants and cached code.',
      inputSchema: {
        type: 'object',
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'Component id, as list-components shows it' },
        },
        required: ['id'],
        additionalProperties: false,
      },
      componentId: null,
      async invoke(args) {
        try {
          const record = deps.unload(String(args.id));
          return textResult(`Removed ${record.id} (${record.digest}).`, { id: record.id });
        } catch (err) {
          return errorResult(err instanceof Error ? err.message : String(err));
        }
      },
    },
  ];
}
