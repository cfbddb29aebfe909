import { describeComponentBinary } from './component-types.js';
import { applyPackageDocs, type PackageDocs, readPackageDocs } from './package-docs.js';
import { describeWit } from './wit-describe.js';
import type { ComponentInterface } from './wit-type.js';

/**
 * The exported functions of a component with their types and docs. Pass the component's bytes:
 * componentWit() text lacks the definitions of exported interfaces from other packages, so text
 * works only for WIT sources or worlds whose types are all in the root package. With bytes and no
 * `docs` argument, the component's own doc sections are read; an unreadable one is reported in
 * `warnings`, not thrown.
 */
export function describeComponent(source: string | Uint8Array, docs?: PackageDocs | null): ComponentInterface {
  if (typeof source === 'string') {
    const described = describeWit(source);
    return docs ? applyPackageDocs(described, docs) : described;
  }
  const described = describeComponentBinary(source);
  let found = docs;
  if (found === undefined) {
    try {
      found = readPackageDocs(source);
    } catch (e) {
      // Docs only describe; a component whose docs section is broken still works without them.
      return { ...described, warnings: [`doc comments not read: ${(e as Error).message}`] };
    }
  }
  return found ? applyPackageDocs(described, found) : described;
}
