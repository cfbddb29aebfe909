import { execFileSync } from 'node:child_process';

/**
 * Integration tests run the real built CLI, workers and renderer, so build once before any test.
 * The build takes about a second.
 */
export default function setup(): void {
  if (process.env.WELD_SKIP_BUILD) return;
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--logLevel', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
