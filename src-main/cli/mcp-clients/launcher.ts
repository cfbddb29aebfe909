import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join, sep } from 'node:path';
import type { WeldLauncher } from '../../api/context.js';

/**
 * How an MCP client starts this very `weld`: the absolute node binary and the real path of the bin
 * script, so the client needs no PATH (desktop apps start servers without the user's shell). The
 * script path is resolved through symlinks: `npx weld` runs it from npm's cache
 * (~/.npm/_npx/<hash>/node_modules/.bin/weld), which npm may clean at any time.
 */
export function cliLauncher(script: string = process.argv[1], execPath: string = process.execPath): WeldLauncher {
  return { command: execPath, args: [realpathSync(script)] };
}

/** True for paths npm owns and may delete: the npx cache and the package cache. */
export function inNpmCache(path: string): boolean {
  return [`${sep}_npx${sep}`, `${sep}_cacache${sep}`, `${sep}.npm${sep}`].some((part) => path.includes(part));
}

/**
 * A launcher that outlives npm's cache: this `weld` when it is installed for real, else the `weld`
 * found on PATH, else null (the caller tells the person to install it).
 */
export function lastingLauncher(env: Record<string, string | undefined>, script: string = process.argv[1]): WeldLauncher | null {
  const own = cliLauncher(script);
  if (!inNpmCache(own.args[0])) return own;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    // npm links a global bin to the package's script on POSIX; Windows shims are not followed.
    const candidate = join(dir, 'weld');
    try {
      accessSync(candidate, constants.X_OK);
      const real = realpathSync(candidate);
      if (!inNpmCache(real)) return cliLauncher(real);
    } catch {
      // Not in this directory.
    }
  }
  return null;
}
