import type { ToolAnnotations } from '../mcp/tool-table.js';
import type { Grant } from './types.js';

/**
 * What a component's tools may do under its grants right now, as MCP hints. Weld's sandbox makes these
 * facts rather than promises: a component with no write access and no network cannot change anything
 * outside itself, and one with no network cannot reach the outside world. A grant asked for just in
 * time changes them; the tool list is then announced again (list_changed).
 *
 * With network access the remote side may change anything, so destructiveHint is left to its default
 * (true); idempotence depends on the code and is never claimed.
 */
export function annotationsFor(grants: readonly Pick<Grant, 'kind' | 'access'>[]): ToolAnnotations {
  const network = grants.some((g) => g.kind === 'network');
  const writes = grants.some((g) => g.kind === 'storage' && g.access.split(',').includes('write'));
  if (!network && !writes) return { readOnlyHint: true, openWorldHint: false };
  if (!network) return { readOnlyHint: false, destructiveHint: true, openWorldHint: false };
  return { readOnlyHint: false, openWorldHint: true };
}
