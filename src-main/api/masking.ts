import { maskValues } from '../engine/mcp/args-preview.js';
import type { Weld } from '../engine/weld.js';

/**
 * An argument preview as a window may show it: besides the secret-looking fields masked when it was
 * logged, any value the component is given as a granted environment variable or secret is masked.
 */
export function shownArgs(weld: Weld, componentId: string | null, args: string | null | undefined): string | null {
  if (!args) return null;
  if (!componentId) return args;
  let values: string[] = [];
  try {
    values = weld.policy.plan(componentId).env.map(([, v]) => v);
  } catch {
    // A removed component has no grants left to mask; its preview was already masked by field name.
  }
  return maskValues(args, values);
}
