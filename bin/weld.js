#!/usr/bin/env node
// Runs the built CLI; `npm install` builds it in the `prepare` step.
import { existsSync } from 'node:fs';

const cli = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('weld: the CLI is not built yet. Run `npm run build` in the Weld checkout.\n');
  process.exit(1);
}
await import(cli.href);
