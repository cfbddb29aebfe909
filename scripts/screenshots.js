#!/usr/bin/env node
// `npm run screenshots`: reruns the UI tests and lets them rewrite README's images in e2e/screenshots.
// Plain `npm test` writes its screenshots to a temp dir, so a test run never modifies tracked files.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', 'e2e', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, WELD_SCREENSHOTS: '1' },
});
process.exit(r.status ?? 1);
