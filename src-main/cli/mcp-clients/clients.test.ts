import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findClient } from './clients.js';
import { mergeServerEntry } from './merge.js';

describe('client config locations', () => {
  const path = (id: string, platform: NodeJS.Platform, env: Record<string, string> = {}) =>
    findClient(id)?.configPath({ platform, home: '/h', env });

  it('finds Claude Desktop and VS Code where each OS keeps per-user app config', () => {
    expect(path('claude-desktop', 'darwin')).toBe('/h/Library/Application Support/Claude/claude_desktop_config.json');
    expect(path('claude-desktop', 'win32', { APPDATA: 'C:/Users/u/AppData/Roaming' })).toBe(
      join('C:/Users/u/AppData/Roaming', 'Claude', 'claude_desktop_config.json'),
    );
    expect(path('claude-desktop', 'linux', { XDG_CONFIG_HOME: '/x' })).toBe('/x/Claude/claude_desktop_config.json');
    expect(path('vscode', 'linux')).toBe('/h/.config/Code/User/mcp.json');
  });

  it('finds Cursor, Windsurf and Zed in their home-dir files', () => {
    expect(path('cursor', 'darwin')).toBe('/h/.cursor/mcp.json');
    expect(path('windsurf', 'linux')).toBe('/h/.codeium/windsurf/mcp_config.json');
    expect(path('zed', 'darwin')).toBe('/h/.config/zed/settings.json');
  });
});

describe('merging the Weld entry', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weld-merge-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const entry = { command: 'node', args: ['weld', 'connect'] };

  it('creates a missing config, readable by its owner only since it can hold the token', () => {
    const path = join(dir, 'sub', 'mcp.json');
    expect(mergeServerEntry({ path, serversKey: 'servers', name: 'weld', entry })).toEqual({
      status: 'written',
      backup: null,
      replaced: false,
    });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ servers: { weld: entry } });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('replaces only its own entry and keeps the file mode', () => {
    const path = join(dir, 'mcp.json');
    writeFileSync(path, JSON.stringify({ mcpServers: { weld: { command: 'old' }, mine: { url: 'x' } } }), { mode: 0o640 });
    const r = mergeServerEntry({ path, serversKey: 'mcpServers', name: 'weld', entry });
    expect(r).toMatchObject({ status: 'written', replaced: true });
    expect(JSON.parse(readFileSync(path, 'utf8')).mcpServers).toEqual({ weld: entry, mine: { url: 'x' } });
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it('refuses files it cannot merge without losing something, and leaves them as they were', () => {
    for (const text of ['[1,2]', '{"mcpServers": []}', '{"a": 1,}', '/* c */ {}']) {
      const path = join(dir, 'mcp.json');
      writeFileSync(path, text);
      expect(mergeServerEntry({ path, serversKey: 'mcpServers', name: 'weld', entry }).status).toBe('refused');
      expect(readFileSync(path, 'utf8')).toBe(text);
    }
  });
});
