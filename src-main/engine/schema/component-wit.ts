import { componentSections, customSection } from './binary-reader.js';
import { PACKAGE_DOCS_SECTION, withCustomSections } from './package-docs.js';

/**
 * The WIT text of a component, as jco's componentWit() prints it (for showing, not for describing:
 * see describeComponent). wasm-tools applies a `package-docs` section to the decoded `root:component`
 * package and refuses the component when the section was written for the source package instead
 * (as Wassette's wit-docs-inject does); such a component is printed without that section.
 * Loads jco-transpile's WIT printer on first use.
 */
export async function componentWitText(bytes: Uint8Array): Promise<string> {
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  try {
    return await componentWit(bytes);
  } catch (err) {
    const hasDocs = componentSections(bytes).some((s) => s.id === 0 && customSection(bytes, s).name === PACKAGE_DOCS_SECTION);
    if (!hasDocs) throw err;
    return componentWit(withCustomSections(bytes, [], [PACKAGE_DOCS_SECTION]));
  }
}
