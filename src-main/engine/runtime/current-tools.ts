import { type ExportedFunction, toolsForExports } from '../schema/index.js';
import type { ToolDescriptor } from '../store/components.js';
import { collisionName, resolveToolNames } from './install.js';

/**
 * A component's tools as this Weld derives them from its code (names, descriptions, schemas), so a
 * component installed by an older Weld, under older naming and description rules, is served as if it
 * had been installed now. Its code is the same, so nothing new needs approving.
 *
 * A stored name that is still the derived name, or its collision form, is kept: which of two
 * components got the plain name was settled when they were installed and must not depend on the order
 * they load in. Only a name from an older rule is replaced, resolved against `taken` like an install.
 */
export function currentTools(
  id: string,
  stored: readonly ToolDescriptor[],
  functions: readonly ExportedFunction[],
  taken: (name: string) => boolean,
): ToolDescriptor[] {
  const storedName = new Map(stored.map((t) => [t.export, t.name]));
  const derived = toolsForExports(functions);
  const kept = derived.map((t) => {
    const name = storedName.get(t.export);
    return name === t.name || name === collisionName(id, t.name) ? { ...t, name } : null;
  });
  const keptNames = new Set(kept.flatMap((t) => (t ? [t.name] : [])));
  const renamed = resolveToolNames(
    id,
    derived.filter((_, i) => !kept[i]),
    (name) => keptNames.has(name) || taken(name),
  );
  let next = 0;
  return derived.map((_, i) => kept[i] ?? renamed[next++]!);
}
