import { parseArgs } from 'node:util';
import { CliError, type CliIo, type Command, UsageError } from './command.js';

/**
 * Parses one command's arguments and runs it, turning expected failures into exit codes. Kept apart from
 * the command table so `weld connect` can run without loading the other commands (and the engine).
 * `isForPerson` says which other errors carry a message meant for a person (printed without a stack).
 */
export async function runCommand(
  command: Command,
  args: string[],
  io: CliIo,
  isForPerson: (err: unknown) => boolean = () => false,
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: fillOptionalValues(args, command.optionalValues ?? []),
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
    return await command.run({ io, values, positionals });
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`weld ${command.name}: ${(err as Error).message}\n\n${command.usage}\n`);
      return 2;
    }
    if (err instanceof CliError || isForPerson(err)) {
      io.stderr(`weld ${command.name}: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}

/**
 * node:util parseArgs has no options with an optional value (`--socket [PATH]`): a bare `--socket`
 * (last, or followed by another option) becomes `--socket=`, which the command reads as "the default".
 */
export function fillOptionalValues(args: string[], names: readonly string[]): string[] {
  return args.map((arg, i) => {
    const next = args[i + 1];
    const bare = names.some((n) => arg === `--${n}`);
    return bare && (next === undefined || next.startsWith('-')) ? `${arg}=` : arg;
  });
}
