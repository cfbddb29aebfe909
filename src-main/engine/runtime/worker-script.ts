import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface WorkerScript {
  /** A file, or code when `eval` is set. */
  source: string;
  eval: boolean;
}

/**
 * Where the runtime worker's code is. Built, it is `runtime-worker.js` next to the bundle that
 * contains this code (out/main is flat). From sources (tests under vitest) it is the TypeScript entry,
 * loaded through tsx's loader registered inside the worker.
 */
export function workerScript(): WorkerScript {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const entry = pathToFileURL(join(dirname(here), 'worker', 'worker-main.ts')).href;
    return {
      source: `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
      eval: true,
    };
  }
  const built = join(dirname(here), 'runtime-worker.js');
  if (!existsSync(built)) throw new Error(`runtime worker missing at ${built}: rebuild Weld (npm run build)`);
  return { source: built, eval: false };
}
