import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError, buildTool } from '../../authoring/build.js';
import { analyzeComponent } from '../../engine/runtime/analyze.js';
import { CliError, type Command, UsageError } from '../command.js';
import { formatAnalysis } from '../component-report.js';

/** Weld's own checkout: its devDependencies are the fallback toolchain for tool projects. */
const WELD_DIR = fileURLToPath(new URL('../..', import.meta.url));

export const build: Command = {
  name: 'build',
  summary: 'Build a tool project into a WebAssembly component and show its tools and requests',
  usage: 'Usage: weld build [DIR]   (default: the current directory)',
  options: {},
  async run({ io, positionals }) {
    if (positionals.length > 1) throw new UsageError('give at most one project directory');
    const dir = resolve(positionals[0] ?? '.');
    io.stderr(`Building ${dir} ...\n`);
    try {
      const result = await buildTool(dir, [WELD_DIR]);
      const policyPath = join(dir, 'policy.yaml');
      const analysis = await analyzeComponent(result.bytes, existsSync(policyPath) ? readFileSync(policyPath, 'utf8') : null);
      io.stdout(`Built ${result.wasmPath}\n${formatAnalysis(analysis)}`);
      io.stdout(`Next: weld install ${result.wasmPath}${existsSync(policyPath) ? ` --policy ${policyPath}` : ''}\n`);
      return 0;
    } catch (err) {
      if (err instanceof BuildError) throw new CliError(err.message);
      throw err;
    }
  },
};
