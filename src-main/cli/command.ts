import type { ParseArgsConfig } from 'node:util';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Interactive yes/no prompt; undefined when stdin is not a terminal. */
  confirm?: (question: string) => Promise<boolean>;
  /** Resolves when the user interrupts (Ctrl-C / SIGTERM), for long-running commands. */
  interrupted: Promise<void>;
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** String options whose value may be left out (`--socket` alone); the command then gets ''. */
  optionalValues?: readonly string[];
  /** Returns the process exit code. */
  run(ctx: {
    io: CliIo;
    values: Record<string, string | boolean | (string | boolean)[] | undefined>;
    positionals: string[];
  }): Promise<number>;
}

/** Wrong invocation: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** An expected failure with a message meant for a person: printed without a stack, exit code 1. */
export class CliError extends Error {}
