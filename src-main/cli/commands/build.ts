import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError, buildTool } from '../../authoring/build.js';
import { CliError, type Command, UsageError } from '../command.js';

/** Weld's own checkout: its devDependencies are the fallback toolchain for tool projects. */
const WELD_DIR = fileURLToPath(new URL('../..', import.meta.url));

export const build: Command = {
  name: 'build',
  summary: 'Build a tool project into a WebAssembly component and show its tools',
  usage: 'Usage: weld build [DIR]   (default: the current directory)',
  options: {},
  async run({ io, positionals }) {
    if (positionals.length > 1) throw new UsageError('give at most one project directory');
    const dir = resolve(positionals[0] ?? '.');
    io.stderr(`Building ${dir} ...\n`);
    try {
      const result = await buildTool(dir, [WELD_DIR]);
      io.stdout(`Built ${result.wasmPath} (${(result.bytes.length / 1e6).toFixed(1)} MB)\n`);
      return 0;
    } catch (err) {
      if (err instanceof BuildError) throw new CliError(err.message);
      throw err;
    }
  },
};
