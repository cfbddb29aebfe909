import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface WorkerScript {
  /** A file, or code when `eval` is set. */
  source: string;
  eval: boolean;
}

/** The engine's worker threads: each is its own build entry (electron.vite.config.ts). */
const ENTRIES = {
  'runtime-worker': 'runtime/worker/worker-main.ts',
  'store-reader': 'store/reader-worker.ts',
} as const;

/**
 * Where a worker's code is. Built, it is `<name>.js` next to the bundle that contains this code
 * (out/main is flat). From sources (tests under vitest) it is the TypeScript entry, loaded through
 * tsx's loader registered inside the worker.
 */
export function workerScript(name: keyof typeof ENTRIES): WorkerScript {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const entry = pathToFileURL(join(dirname(here), ENTRIES[name])).href;
    return {
      source: `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
      eval: true,
    };
  }
  const built = join(dirname(here), `${name}.js`);
  if (!existsSync(built)) throw new Error(`${name} missing at ${built}: rebuild Weld (npm run build)`);
  return { source: built, eval: false };
}
