#!/usr/bin/env node
// `npm start`: the tray app when the Electron binary is available, else the same UI in the browser
// through `weld serve --socket --ui`, announced in one clear line. Either way one long-running Weld
// serves the MCP socket and the UI.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

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

// `npm start` runs this script under `sh -c`; a SIGTERM to npm's pid ends npm and the shell but never
// reaches us. A parent that went away is the same request to stop as a signal.
const parent = process.ppid;
const watch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(watch);
  process.kill(process.pid, 'SIGTERM');
}, 500).unref();

if (bin) {
  // WELD_NODE: the desktop app writes client configs that run `node bin/weld.js`, like `weld config`.
  const child = spawn(bin, [ROOT], { stdio: 'inherit', env: { ...process.env, WELD_NODE: process.execPath } });
  // Whichever process gets the signal, both stop: ours is passed on, and the app's exit ends this one.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  // The headless Weld runs in this very process (no child to orphan): it serves the MCP socket that
  // `weld connect` and `weld config` point clients at, and the web UI, and stops on SIGINT/SIGTERM.
  process.stdout.write(`Electron is unavailable (${why}); Weld runs headless with its web UI.\n`);
  const weldBin = join(ROOT, 'bin', 'weld.js');
  process.argv = [process.execPath, weldBin, 'serve', '--socket', '--ui', ...process.argv.slice(2)];
  await import(pathToFileURL(weldBin).href);
}
