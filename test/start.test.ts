import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO, tempHome } from './helpers.js';

let home: string;
let cleanup: () => void;
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

// WELD_NO_ELECTRON keeps this test from downloading or launching Electron on machines that could.
describe('npm start without Electron', () => {
  it('says in one line that Electron is unavailable and where the web UI is, then serves it', async () => {
    const child = spawn(process.execPath, [join(REPO, 'scripts', 'start.js')], {
      env: { ...process.env, WELD_HOME: home, WELD_NO_ELECTRON: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`start.js exited with ${code}`)));
        setTimeout(() => reject(new Error('no line within 20 s')), 20_000).unref();
      });
      const m = /^Electron is unavailable \(.+\); the web UI is at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)$/.exec(line);
      expect(m, line).not.toBeNull();
      const page = await fetch(m![1]);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
