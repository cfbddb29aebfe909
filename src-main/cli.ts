import { createInterface } from 'node:readline/promises';
import { runCli } from './cli/main.js';

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

runCli(process.argv.slice(2), {
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
