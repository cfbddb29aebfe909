import type { ComponentStore } from '../store/components.js';
import { type ToolDefinition, textResult } from './tool-table.js';

/** Weld's own management tools. They can show and request, never grant: grants need a person. */
export function builtinTools(deps: { components: ComponentStore }): ToolDefinition[] {
  return [
    {
      name: 'list-components',
      description: 'List the WebAssembly components installed in Weld, with their tools and signature status.',
      inputSchema: { type: 'object', properties: {}, additionalProperties: false },
      componentId: null,
      async invoke() {
        const components = deps.components.list().map((c) => ({
          id: c.id,
          name: c.name,
          version: c.version,
          digest: c.digest,
          source: c.sourceRef,
          signature: c.signatureStatus,
          enabled: c.enabled,
          tools: c.tools.map((t) => t.name),
        }));
        const text = components.length
          ? components.map((c) => `${c.id} (${c.signature}) tools: ${c.tools.join(', ') || 'none'}`).join('\n')
          : 'No components are installed.';
        return textResult(text, { components });
      },
    },
  ];
}
