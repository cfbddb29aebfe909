import { join } from 'node:path';
import type { PlatformInfo } from '../../engine/config.js';

export type ClientTransport = 'stdio' | 'http';

/** How a client reaches Weld: the `weld connect` command line, or the HTTP URL and its token. */
export interface WeldEndpoint {
  stdio: { command: string; args: string[] };
  http: { url: string; token: string };
}

export interface McpClient {
  id: string;
  name: string;
  transports: readonly ClientTransport[];
  /** Where the client reads its MCP servers; null for the generic snippet. */
  configPath(p: PlatformInfo): string | null;
  /** A directory whose presence means the client is installed even without an MCP config yet. */
  appDir(p: PlatformInfo): string | null;
  /** The key of the object that maps server names to entries. */
  serversKey: string;
  entry(weld: WeldEndpoint, transport: ClientTransport): Record<string, unknown>;
}

/** The per-user configuration dir: %APPDATA% on Windows, Application Support on macOS, XDG on Linux. */
function configDir(p: PlatformInfo): string {
  if (p.platform === 'win32') return p.env.APPDATA ?? join(p.home, 'AppData', 'Roaming');
  if (p.platform === 'darwin') return join(p.home, 'Library', 'Application Support');
  return p.env.XDG_CONFIG_HOME || join(p.home, '.config');
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export const CLIENTS: readonly McpClient[] = [
  {
    id: 'claude-desktop',
    name: 'Claude Desktop',
    transports: ['stdio'],
    configPath: (p) => join(configDir(p), 'Claude', 'claude_desktop_config.json'),
    appDir: (p) => join(configDir(p), 'Claude'),
    serversKey: 'mcpServers',
    entry: (w) => ({ command: w.stdio.command, args: w.stdio.args }),
  },
  {
    id: 'vscode',
    name: 'VS Code',
    transports: ['http', 'stdio'],
    configPath: (p) => join(configDir(p), 'Code', 'User', 'mcp.json'),
    appDir: (p) => join(configDir(p), 'Code', 'User'),
    serversKey: 'servers',
    entry: (w, t) =>
      t === 'http'
        ? { type: 'http', url: w.http.url, headers: bearer(w.http.token) }
        : { type: 'stdio', command: w.stdio.command, args: w.stdio.args },
  },
  {
    id: 'cursor',
    name: 'Cursor',
    transports: ['stdio', 'http'],
    configPath: (p) => join(p.home, '.cursor', 'mcp.json'),
    appDir: (p) => join(p.home, '.cursor'),
    serversKey: 'mcpServers',
    entry: (w, t) =>
      t === 'http' ? { url: w.http.url, headers: bearer(w.http.token) } : { command: w.stdio.command, args: w.stdio.args },
  },
  {
    id: 'windsurf',
    name: 'Windsurf',
    transports: ['stdio', 'http'],
    configPath: (p) => join(p.home, '.codeium', 'windsurf', 'mcp_config.json'),
    appDir: (p) => join(p.home, '.codeium', 'windsurf'),
    serversKey: 'mcpServers',
    entry: (w, t) =>
      t === 'http' ? { serverUrl: w.http.url, headers: bearer(w.http.token) } : { command: w.stdio.command, args: w.stdio.args },
  },
  {
    id: 'zed',
    name: 'Zed',
    transports: ['stdio', 'http'],
    configPath: (p) =>
      p.platform === 'win32' ? join(configDir(p), 'Zed', 'settings.json') : join(p.home, '.config', 'zed', 'settings.json'),
    appDir: (p) => (p.platform === 'win32' ? join(configDir(p), 'Zed') : join(p.home, '.config', 'zed')),
    serversKey: 'context_servers',
    entry: (w, t) =>
      t === 'http'
        ? { url: w.http.url, headers: bearer(w.http.token) }
        : { source: 'custom', command: w.stdio.command, args: w.stdio.args, env: {} },
  },
  {
    id: 'generic',
    name: 'Any MCP client (snippet)',
    transports: ['stdio', 'http'],
    configPath: () => null,
    appDir: () => null,
    serversKey: 'mcpServers',
    entry: (w, t) =>
      t === 'http'
        ? { type: 'http', url: w.http.url, headers: bearer(w.http.token) }
        : { command: w.stdio.command, args: w.stdio.args },
  },
];

export function findClient(id: string): McpClient | undefined {
  return CLIENTS.find((c) => c.id === id);
}
