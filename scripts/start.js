#!/usr/bin/env node
// `npm start`: the tray app when the Electron binary is available, else the same UI in the browser
// through `weld serve --ui`, announced in one clear line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(import.meta.dirname, '..');
const ELECTRON = join(ROOT, 'node_modules', 'electron');

/** The Electron binary electron's own package would run, or null when it was never downloaded. */
function electronBinary() {
  const pathFile = join(ELECTRON, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(ELECTRON, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

function run(cmd, args) {
  return spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' }).status ?? 1;
}

if (!existsSync(join(ROOT, 'out', 'main', 'index.js')) || !existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
  if (
    run(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'warn'])
  ) {
    process.exit(1);
  }
}

// WELD_NO_ELECTRON=1 chooses the browser UI even where Electron exists (and never downloads it).
const disabled = Boolean(process.env.WELD_NO_ELECTRON);
let bin = disabled ? null : electronBinary();
let why = disabled ? 'disabled by WELD_NO_ELECTRON' : 'its binary is not installed';
if (!bin && !disabled && existsSync(join(ELECTRON, 'install.js'))) {
  // One download attempt per start; offline machines fail fast and fall back to the web UI.
  const r = spawnSync(process.execPath, [join(ELECTRON, 'install.js')], { cwd: ELECTRON, stdio: 'ignore', timeout: 120_000 });
  bin = electronBinary();
  if (!bin) why = r.error ? `its download failed: ${r.error.message}` : 'its download failed, probably offline';
}

if (bin) {
  const child = spawn(bin, [ROOT], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'weld.js'), 'serve', '--ui', ...process.argv.slice(2)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  lines.once('line', (line) => {
    const url = line.replace(/^Weld UI: /, '');
    process.stdout.write(`Electron is unavailable (${why}); the web UI is at ${url}\n`);
    lines.on('line', (l) => process.stdout.write(`${l}\n`));
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
