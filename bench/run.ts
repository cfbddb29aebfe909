import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { durabilityBench } from './durability.bench.js';
import { floodsBench } from './floods.bench.js';
import { type BenchSection, renderSection, sideBySide, updateResults } from './lib.js';
import { policyBench } from './policy.bench.js';
import { sharedHarnessBench } from './shared-harness.js';
import { stdioBench } from './stdio.bench.js';
import { transportsBench } from './transports.bench.js';
import { uiReadsBench } from './ui-reads.bench.js';

/**
 * `npm run bench`: runs every bench/*.bench.ts section in one process, so each Weld figure sits beside a
 * baseline measured minutes apart on the same machine, then the shared harness (../shared/bench, or
 * `--shared-bench PATH` / $WELD_SHARED_BENCH), and writes bench/RESULTS.md.
 * Pass section names to run only some: `npm run bench -- stdio shared`.
 */
const SECTIONS: Record<string, () => Promise<BenchSection>> = {
  stdio: stdioBench,
  shared: sharedHarnessBench,
  policy: policyBench,
  transports: transportsBench,
  'ui-reads': uiReadsBench,
  durability: durabilityBench,
  floods: floodsBench,
};

const args = process.argv.slice(2);
const only = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--shared-bench');
const unknown = only.filter((name) => !(name in SECTIONS));
if (unknown.length) {
  process.stderr.write(`bench: no section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}\n`);
  process.exit(2);
}
const results = new Map<string, BenchSection>();
const blocks = new Map<string, string>();
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}`;
for (const [name, run] of Object.entries(SECTIONS)) {
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}...\n`);
  const load = loadavg()[0];
  const section = await run();
  results.set(name, section);
  // The machine is shared: the load average says how much the figures can be trusted.
  const meta = `Measured ${new Date().toISOString()} on ${machine}; 1-minute load average ${load.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after. Ratios are Weld / baseline from the same run.`;
  blocks.set(name, renderSection(section, meta));
  process.stdout.write(`${blocks.get(name)}\n\n`);
}
const own = results.get('stdio');
const shared = results.get('shared');
if (own && shared) {
  blocks.set('side-by-side', renderSection(sideBySide(own, shared)));
  process.stdout.write(`${blocks.get('side-by-side')}\n`);
}
const file = join(import.meta.dirname, 'RESULTS.md');
writeFileSync(file, updateResults(existsSync(file) ? readFileSync(file, 'utf8') : '', blocks));
