import { resolveDataDir } from '../engine/config.js';
import { ComponentFileError } from '../engine/runtime/component-file.js';
import { StoreError } from '../engine/store/db.js';
import type { CliIo } from './command.js';
import { COMMANDS } from './commands.js';
import { runCommand } from './run-command.js';

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Weld: a secure MCP server for WebAssembly tools.

Usage: weld <command> [options]

Commands:
${lines.join('\n')}

Run 'weld <command> --help' for a command's options.
Data dir: $WELD_HOME, else the OS app-data dir (now: ${resolveDataDir()}).
`;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr)(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS.find((c) => c.name === (name === '--version' ? 'version' : name));
  if (!entry) {
    io.stderr(`weld: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return runCommand(await entry.load(), rest, io, (err) => err instanceof StoreError || err instanceof ComponentFileError);
}
