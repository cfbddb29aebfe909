import { createInterface } from 'node:readline/promises';
import type { CliIo } from './cli/command.js';
import { runCommand } from './cli/run-command.js';

// The headless `weld` command. It must never need Electron: the same engine runs here and in the tray.
const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});

const confirm = process.stdin.isTTY
  ? async (question: string) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    }
  : undefined;

const argv = process.argv.slice(2);
// MCP clients spawn `weld connect` every time they start: it loads only the stdio bridge, not the
// command table and the engine behind it (~40 ms instead of ~250 ms).
const runCli =
  argv[0] === 'connect'
    ? async (args: string[], io: CliIo) => runCommand((await import('./cli/commands/connect.js')).connect, args.slice(1), io)
    : (await import('./cli/main.js')).runCli;

runCli(argv, {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  confirm,
  interrupted,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`weld: unexpected error: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
