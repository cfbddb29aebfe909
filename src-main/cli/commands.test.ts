import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands.js';
import { usage } from './main.js';

describe('the command table', () => {
  it('lists each command under the name and summary of the module that runs it', async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }).toEqual({ name: entry.name, summary: entry.summary });
    }
  });

  it('names each command once, so `weld <name>` is never ambiguous', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('shows every command with its summary in `weld --help`', () => {
    const text = usage();
    for (const c of COMMANDS)
      expect(text).toMatch(new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });
});
