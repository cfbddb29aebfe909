import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type BenchSection, renderMarkdown } from './lib.js';
import { policyBench } from './policy.bench.js';
import { stdioBench } from './stdio.bench.js';
import { transportsBench } from './transports.bench.js';
import { uiReadsBench } from './ui-reads.bench.js';

/**
 * `npm run bench`: runs every bench/*.bench.ts section in one process, so each Weld figure sits beside a
 * baseline measured minutes apart on the same machine, and writes bench/RESULTS.md.
 * Pass section names to run only some: `npm run bench -- stdio`.
 */
const SECTIONS: Record<string, () => Promise<BenchSection>> = {
  stdio: stdioBench,
  policy: policyBench,
  transports: transportsBench,
  'ui-reads': uiReadsBench,
};

const only = process.argv.slice(2);
const results: BenchSection[] = [];
for (const [name, run] of Object.entries(SECTIONS)) {
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}...\n`);
  const section = await run();
  results.push(section);
  process.stdout.write(`${renderMarkdown([section], '')}\n`);
}
const meta = `Measured ${new Date().toISOString()} on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}. Ratios are Weld / baseline from the same run.`;
writeFileSync(join(import.meta.dirname, 'RESULTS.md'), renderMarkdown(results, meta));
