import type { InstallResult } from '../runtime/install.js';
import { LoadRequestError } from '../runtime/load-requests.js';
import type { ComponentRecord } from '../store/components.js';
import type { LoadRequestRow } from '../store/load-requests.js';
import { errorResult, type ToolDefinition, textResult } from './tool-table.js';

/** A load from a folder the person marked as a component source installs; any other load asks them. */
export type LoadOutcome = { installed: InstallResult } | { request: LoadRequestRow; created: boolean };

export interface ComponentToolDeps {
  load(ref: unknown, client: string | null): Promise<LoadOutcome>;
  unload(id: string): ComponentRecord;
}

/**
 * load-component / unload-component, as in Wassette, with one difference: loading is a request a person
 * confirms in Weld, unless it adds a new component from a folder they marked as a component source. A
 * client that could install code by itself could also replace a tool the person trusts; and reading the
 * path it names would tell it which files exist.
 */
export function componentTools(deps: ComponentToolDeps): ToolDefinition[] {
  return [
    {
      name: 'load-component',
      description:
        'Install a WebAssembly component into Weld from a file:// path or an oci:// reference (signature verified). A new component from a folder the person marked as a component source is installed at once; anything else waits until they approve it in Weld. The component gets no file, network or environment access until they grant it.',
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
        let outcome: LoadOutcome;
        try {
          outcome = await deps.load(args.path, ctx.client);
        } catch (err) {
          if (err instanceof LoadRequestError) return errorResult(`Not requested: ${err.message}`);
          return errorResult(`Not loaded: ${err instanceof Error ? err.message : String(err)}`);
        }
        if ('installed' in outcome) {
          const { record, unchanged } = outcome.installed;
          const tools = record.tools.map((t) => t.name);
          const text =
            `${unchanged ? 'Already installed' : 'Installed'} "${record.id}" from ${record.sourceRef} (a component source the person marked), ` +
            `with tools: ${tools.join(', ') || 'none'}. It has no file, network or environment access until the person grants it.`;
          return textResult(text, { componentId: record.id, tools, status: unchanged ? 'unchanged' : 'installed' });
        }
        const r = outcome.request;
        const replacing = r.replaces
          ? ` It would replace the installed component "${r.componentId}" (${r.replaces.slice(0, 19)}…); the grants the person gave that code do not carry over.`
          : '';
        const text =
          `Weld asked the person to approve loading ${r.ref} as "${r.componentId}" (request ${r.id}).${replacing} ` +
          `Nothing is loaded until they approve it in the Weld app (Requests) or with \`weld requests allow ${r.id}\`; ` +
          'tools/list changes once it is installed.';
        return textResult(text, { requestId: r.id, componentId: r.componentId, replaces: r.replaces, status: r.status });
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
