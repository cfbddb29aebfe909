import { componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';
import { type PackageDocs, withPackageDocs } from '../engine/schema/package-docs.js';
import { packageDocsFromWit, readWitPackage } from '../engine/schema/wit-docs.js';

/**
 * Puts the WIT doc comments that componentize-js drops back into a built component, so its tools
 * carry their descriptions. wit-component decodes a component's world under its own name (`root`),
 * and wasm-tools refuses a component whose `package-docs` names a world or interface it does not
 * decode: so the docs are keyed to the decoded world, and each candidate is checked by decoding it.
 * Returns the bytes unchanged when the WIT has no doc comments or no candidate decodes.
 */
export async function withWitDocs(component: Uint8Array, witDir: string): Promise<Uint8Array> {
  const docs = packageDocsFromWit(readWitPackage(witDir));
  if (!docs.docs && !docs.worlds && !docs.interfaces) return component;
  const decoded = /^world (\S+) \{/m.exec(await componentWit(component))?.[1];
  const world = Object.values(docs.worlds ?? {})[0];
  const rekeyed: PackageDocs = { ...docs, ...(world && decoded ? { worlds: { [decoded]: world } } : {}) };
  const { interfaces: _i, ...worldOnly } = rekeyed;
  for (const candidate of [rekeyed, worldOnly]) {
    const bytes = withPackageDocs(component, candidate);
    try {
      await componentWit(bytes);
      return bytes;
    } catch {
      // Try the narrower docs next.
    }
  }
  return component;
}
