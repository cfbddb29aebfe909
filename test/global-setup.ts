import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..');

/**
 * Integration tests run the real built CLI, workers and renderer, so build once before any test.
 * The build takes about a second. Afterwards, check that the run left the checkout as it found it:
 * tests write into temp dirs, never into tracked files (README's screenshots come from
 * `npm run screenshots`, which is allowed to).
 */
export default function setup(): (() => void) | undefined {
  if (!process.env.WELD_SKIP_BUILD) {
    execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--logLevel', 'warn'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  if (process.env.WELD_SCREENSHOTS === '1') return;
  const before = checkoutState();
  if (!before) return;
  return () => {
    const after = checkoutState() ?? new Map();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f));
    if (!changed.length) return;
    // vitest reports a teardown error but still exits 0: fail the run explicitly.
    process.exitCode = 1;
    throw new Error(`the tests changed files in the checkout: ${changed.join(', ')}`);
  };
}

/** Each changed or untracked (not ignored) file with a hash of its content; null outside a git checkout. */
function checkoutState(): Map<string, string> | null {
  let status: string;
  try {
    status = execFileSync('git', ['status', '--porcelain', '-z', '--untracked-files=all'], { cwd: REPO, encoding: 'utf8' });
  } catch {
    return null;
  }
  const state = new Map<string, string>();
  for (const entry of status.split('\0')) {
    if (!entry) continue;
    const file = entry.slice(3);
    let content = '';
    try {
      content = createHash('sha256')
        .update(readFileSync(join(REPO, file)))
        .digest('hex');
    } catch {
      content = 'missing';
    }
    state.set(file, `${entry.slice(0, 2)} ${content}`);
  }
  return state;
}
