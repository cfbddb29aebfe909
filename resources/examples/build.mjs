#!/usr/bin/env node
// Builds the example tools into WebAssembly components with componentize-js (a devDependency:
// the Weld runtime never needs it). Usage: node resources/examples/build.mjs [name ...]
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const here = import.meta.dirname;
const schemaDir = join(here, '..', '..', 'src-main', 'engine', 'schema');

/** Files whose content shapes a built example besides its own sources: caches key on them. */
export const BUILD_INPUTS = [
  import.meta.filename,
  ...['wit-docs.ts', 'wit-text.ts', 'package-docs.ts', 'component-types.ts', 'binary-reader.ts'].map((f) => join(schemaDir, f)),
];

/**
 * Compiles one example folder (wit/ + src/index.js) into a component and returns its bytes.
 * opts.disableFeatures overrides the componentize-js features derived from the folder's policy.yaml.
 */
export async function buildExample(dir, opts = {}) {
  const { componentize } = await import('@bytecodealliance/componentize-js');
  // componentize-js runs its WIT splicer as a Wasm component on preview2-shim, whose 0.26 default is
  // no file access at all; this build tool (never the Weld runtime) lets it read the sources.
  const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
  _setPreopens({ '/': '/' });
  const { component } = await componentize({
    sourcePath: join(dir, 'src', 'index.js'),
    witPath: join(dir, 'wit'),
    disableFeatures: opts.disableFeatures ?? (await featuresToDisable(dir)),
  });
  // componentize-js drops the WIT doc comments that become tool descriptions: put them back.
  // Weld's TypeScript is loaded through tsx (a devDependency, like componentize-js).
  const { tsImport } = await import('tsx/esm/api');
  const { embedPackageDocs } = await tsImport(join(schemaDir, 'wit-docs.ts'), import.meta.url);
  return embedPackageDocs(component, join(dir, 'wit'));
}

/**
 * An example whose policy.yaml grants no network host is built without an HTTP client, so its WIT
 * does not even ask for wasi:http/outgoing-handler. A folder without policy.yaml (a test fixture
 * such as the hostile component) keeps every feature.
 */
async function featuresToDisable(dir) {
  const path = join(dir, 'policy.yaml');
  if (!existsSync(path)) return [];
  const policy = parseYaml(await readFile(path, 'utf8'));
  return policy?.permissions?.network?.allow?.length ? [] : ['http'];
}

async function main(names) {
  const all = (await readdir(here, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const name of names.length ? names : all) {
    const started = Date.now();
    const bytes = await buildExample(join(here, name));
    await mkdir(join(here, name, 'build'), { recursive: true });
    const out = join(here, name, 'build', `${name}.wasm`);
    await writeFile(out, bytes);
    console.log(`built ${out} (${(bytes.length / 1e6).toFixed(1)} MB, ${Date.now() - started} ms)`);
  }
}

if (process.argv[1] === import.meta.filename) await main(process.argv.slice(2));
