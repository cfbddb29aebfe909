import { parseArgs } from 'node:util';
import { resolveDataDir } from '../engine/config.js';
import { StoreError } from '../engine/store/db.js';
import { CliError, type CliIo, UsageError } from './command.js';
import { COMMANDS } from './commands.js';

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
  const command = COMMANDS.find((c) => c.name === (name === '--version' ? 'version' : name));
  if (!command) {
    io.stderr(`weld: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    return await command.run({ io, values, positionals });
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`weld ${command.name}: ${(err as Error).message}\n\n${command.usage}\n`);
      return 2;
    }
    if (err instanceof CliError || err instanceof StoreError) {
      io.stderr(`weld ${command.name}: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}
