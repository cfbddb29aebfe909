import { join } from 'node:path';
import type { PlatformInfo } from '../../engine/config.js';

export type ClientTransport = 'stdio' | 'http';

/** How a client reaches Weld: the `weld connect` command line, or the HTTP URL and its token. */
export interface WeldEndpoint {
  stdio: { command: string; args: string[]; env?: Record<string, string> };
  http: { url: string; readonly token: string };
}

/** A client-side secret prompt (VS Code `inputs`): the client asks once and keeps the value in its own store. */
export interface ClientInput {
  type: 'promptString';
  id: string;
  description: string;
  password: true;
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
  /** Secret prompts the entry refers to, for clients that keep tokens out of their config file. */
  inputs?(transport: ClientTransport): ClientInput[] | undefined;
}

/** The per-user configuration dir: %APPDATA% on Windows, Application Support on macOS, XDG on Linux. */
function configDir(p: PlatformInfo): string {
  if (p.platform === 'win32') return p.env.APPDATA ?? join(p.home, 'AppData', 'Roaming');
  if (p.platform === 'darwin') return join(p.home, 'Library', 'Application Support');
  return p.env.XDG_CONFIG_HOME || join(p.home, '.config');
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The stdio entry most clients read; env only when the launcher needs it (Electron's runtime as Node). */
const stdio = (w: WeldEndpoint) => ({
  command: w.stdio.command,
  args: w.stdio.args,
  ...(w.stdio.env ? { env: w.stdio.env } : {}),
});

/** VS Code asks for the token once and keeps it in its secret storage, so mcp.json holds no secret. */
export const VSCODE_TOKEN_INPUT: ClientInput = {
  type: 'promptString',
  id: 'weld-token',
  description: "Weld's HTTP token (the file http-token in Weld's data dir)",
  password: true,
};

export const CLIENTS: readonly McpClient[] = [
  {
    id: 'claude-desktop',
    name: 'Claude Desktop',
    transports: ['stdio'],
    configPath: (p) => join(configDir(p), 'Claude', 'claude_desktop_config.json'),
    appDir: (p) => join(configDir(p), 'Claude'),
    serversKey: 'mcpServers',
    entry: (w) => stdio(w),
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
        ? { type: 'http', url: w.http.url, headers: bearer(`\${input:${VSCODE_TOKEN_INPUT.id}}`) }
        : { type: 'stdio', ...stdio(w) },
    inputs: (t) => (t === 'http' ? [VSCODE_TOKEN_INPUT] : undefined),
  },
  {
    id: 'cursor',
    name: 'Cursor',
    transports: ['stdio', 'http'],
    configPath: (p) => join(p.home, '.cursor', 'mcp.json'),
    appDir: (p) => join(p.home, '.cursor'),
    serversKey: 'mcpServers',
    entry: (w, t) => (t === 'http' ? { url: w.http.url, headers: bearer(w.http.token) } : stdio(w)),
  },
  {
    id: 'windsurf',
    name: 'Windsurf',
    transports: ['stdio', 'http'],
    configPath: (p) => join(p.home, '.codeium', 'windsurf', 'mcp_config.json'),
    appDir: (p) => join(p.home, '.codeium', 'windsurf'),
    serversKey: 'mcpServers',
    entry: (w, t) => (t === 'http' ? { serverUrl: w.http.url, headers: bearer(w.http.token) } : stdio(w)),
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
        : { source: 'custom', command: w.stdio.command, args: w.stdio.args, env: w.stdio.env ?? {} },
  },
  {
    id: 'generic',
    name: 'Any MCP client (snippet)',
    transports: ['stdio', 'http'],
    configPath: () => null,
    appDir: () => null,
    serversKey: 'mcpServers',
    entry: (w, t) => (t === 'http' ? { type: 'http', url: w.http.url, headers: bearer(w.http.token) } : stdio(w)),
  },
];

export function findClient(id: string): McpClient | undefined {
  return CLIENTS.find((c) => c.id === id);
}
