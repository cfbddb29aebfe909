import type { InstallResult } from '../runtime/install.js';
import type { ComponentRecord } from '../store/components.js';
import { errorResult, type ToolDefinition, textResult } from './tool-table.js';

export interface ComponentToolDeps {
  /** Installs from `file://...` or `oci://...`; signatures are enforced, nothing is granted. */
  load(ref: string): Promise<InstallResult>;
  unload(id: string): ComponentRecord;
}

/**
 * load-component / unload-component, as in Wassette. A client may load tools, but a loaded
 * component gets no capability until a person grants it; unsigned OCI components are refused here.
 */
export function componentTools(deps: ComponentToolDeps): ToolDefinition[] {
  return [
    {
      name: 'load-component',
      description:
        'Install a WebAssembly component into Weld from a file:// path or an oci:// reference (signature verified) and expose its tools. The component gets no file, network or environment access until the person grants it.',
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
      async invoke(args) {
        try {
          const { record, unchanged, analysis } = await deps.load(String(args.path));
          const tools = record.tools.map((t) => t.name);
          const requests = analysis.requested.map((c) => `${c.kind} ${c.target}${c.access ? ` (${c.access})` : ''}`);
          const text = [
            `${unchanged ? 'Already installed' : 'Installed'} ${record.id} (${record.digest}). Tools: ${tools.join(', ') || 'none'}.`,
            requests.length
              ? `It requests: ${requests.join('; ')}. Nothing is granted yet: the person can approve with \`weld grant ${record.id} ...\` or in the Weld app.`
              : 'It requests no capabilities.',
          ].join('\n');
          return textResult(text, { id: record.id, digest: record.digest, tools, requested: analysis.requested, unchanged });
        } catch (err) {
          return errorResult(`Not installed: ${err instanceof Error ? err.message : String(err)}`);
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
