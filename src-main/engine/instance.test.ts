import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempHome } from '../../test/helpers.js';
import { acquireInstanceLock, InstanceRunningError, instancePath, runningInstance } from './instance.js';

let home: string;
let cleanup: () => void;
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

const record = (pid: number, exe = process.execPath) =>
  writeFileSync(
    instancePath(home),
    JSON.stringify({ pid, exe, shell: 'web', ui: 'http://127.0.0.1:1/?token=t', socket: null, startedAt: '' }),
  );

describe('one long-running Weld per data dir', () => {
  it('refuses a second Weld while the first runs, naming its pid and UI', async () => {
    // Another node process stands in for the running Weld: same binary, live pid.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      record(other.pid!);
      expect(runningInstance(home)?.pid).toBe(other.pid);
      expect(() => acquireInstanceLock(home, { shell: 'electron', ui: null, socket: null })).toThrow(InstanceRunningError);
      expect(() => acquireInstanceLock(home, { shell: 'electron', ui: null, socket: null })).toThrow(
        `a Weld is already running for ${home}: pid ${other.pid}, UI at http://127.0.0.1:1/?token=t`,
      );
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over the file a crashed Weld left behind', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    record(dead);
    expect(runningInstance(home)).toBeNull();
    const lock = acquireInstanceLock(home, { shell: 'web', ui: null, socket: null });
    expect(JSON.parse(readFileSync(instancePath(home), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it("does not mistake an unrelated program that got a crashed Weld's pid for Weld", async (ctx) => {
    if (process.platform !== 'linux') ctx.skip();
    const sleeper = spawn('sleep', ['30']);
    try {
      record(sleeper.pid!);
      expect(runningInstance(home)).toBeNull();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('records the UI once it is known, readable by its owner only, and removes only its own file', () => {
    const lock = acquireInstanceLock(home, { shell: 'web', ui: null, socket: null });
    lock.update({ ui: 'http://127.0.0.1:2/?token=x' });
    expect(runningInstance(home)).toBeNull(); // this process itself is not "another" Weld
    const saved = JSON.parse(readFileSync(instancePath(home), 'utf8'));
    expect(saved).toMatchObject({ pid: process.pid, ui: 'http://127.0.0.1:2/?token=x', shell: 'web' });
    expect(statSync(instancePath(home)).mode & 0o777).toBe(0o600);
    lock.release();
    expect(existsSync(instancePath(home))).toBe(false);
    record(12345678);
    lock.release();
    expect(existsSync(instancePath(home))).toBe(true);
  });
});
