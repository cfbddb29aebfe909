import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { PlatformInfo } from '../../engine/config.js';
import { weldPaths } from '../../engine/config.js';
import { describeInstance, runningInstance } from '../../engine/instance.js';
import { isPlainObject } from '../../engine/plain-object.js';
import { CLIENTS, type McpClient } from '../mcp-clients/clients.js';
import { SERVER_NAME } from '../mcp-clients/endpoint.js';
import { inNpmCache } from '../mcp-clients/launcher.js';

/** fail: something a person must fix for Weld to work; warn: worth knowing, with a fix; ok: checked and fine. */
export interface Finding {
  level: 'ok' | 'warn' | 'fail';
  what: string;
  fix?: string;
}

export interface DoctorContext {
  home: string;
  platform: PlatformInfo;
  /** The Weld package this `weld` runs from (bin/.., resolved through symlinks), for engines and Electron. */
  packageRoot: string;
}

const START = 'start it: `npm start` in the Weld checkout, or `weld serve --socket --ui`';

/** Every check `weld doctor` runs, in the order a person would debug them. */
export async function runChecks(ctx: DoctorContext): Promise<Finding[]> {
  return [
    nodeVersion(ctx.packageRoot),
    dataDir(ctx.home),
    ...(await running(ctx.home)),
    ...CLIENTS.flatMap((c) => clientEntry(c, ctx)),
    weldOnPath(ctx.platform.env),
    electron(ctx.packageRoot),
    chromium(),
  ];
}

/**
 * Weld's own code runs on Node 20.11+ (tested on 20); package.json `engines` states what the whole
 * toolchain supports (Electron 41+ and its build tools want 22.12+), so npm warns below it.
 */
const RUNTIME_MIN: [number, number] = [20, 11];

function nodeVersion(root: string): Finding {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const below = (min: [number, number]) => major < min[0] || (major === min[0] && minor < min[1]);
  if (below(RUNTIME_MIN)) {
    return {
      level: 'fail',
      what: `Node ${process.versions.node} cannot run Weld (it needs ${RUNTIME_MIN.join('.')}+)`,
      fix: 'install Node 22.13 or newer',
    };
  }
  let range = '';
  try {
    range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? '';
  } catch {
    // Not run from a package (a bundled app): nothing more to compare against.
  }
  const stated = /^>=\s*(\d+)(?:\.(\d+))?/.exec(range);
  if (stated && below([Number(stated[1]), Number(stated[2] ?? 0)])) {
    return {
      level: 'warn',
      what: `Node ${process.versions.node} runs Weld, but npm warns (EBADENGINE): Weld's Electron tooling needs ${range}`,
      fix: `install Node ${range.replace('>=', '')} or newer`,
    };
  }
  return { level: 'ok', what: `Node ${process.versions.node}${range ? ` (Weld needs ${range})` : ''}` };
}

function dataDir(home: string): Finding {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(home);
  } catch {
    return { level: 'warn', what: `data dir ${home} does not exist yet`, fix: START };
  }
  if (!st.isDirectory()) return { level: 'fail', what: `data dir ${home} is not a directory`, fix: `move ${home} away` };
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    return { level: 'fail', what: `data dir ${home} belongs to another user (uid ${st.uid})`, fix: `chown -R "$USER" ${home}` };
  }
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    return {
      level: 'fail',
      what: `data dir ${home} is readable by others (mode ${(st.mode & 0o777).toString(8)}); it holds secrets and the HTTP token`,
      fix: `chmod 700 ${home}`,
    };
  }
  return { level: 'ok', what: `data dir ${home} (private to you)` };
}

async function running(home: string): Promise<Finding[]> {
  const instance = runningInstance(home);
  const socket = weldPaths(home).socket;
  const answer = await socketAnswers(socket);
  if (!instance) {
    if (answer === 'answers') return [{ level: 'ok', what: `a Weld answers MCP on ${socket}` }];
    return [{ level: 'fail', what: `Weld is not running for ${home}`, fix: START }];
  }
  const found: Finding = { level: 'ok', what: `Weld is running (${describeInstance(instance)})` };
  if (answer === 'answers') return [found, { level: 'ok', what: `MCP socket ${socket} answers` }];
  if (!instance.socket) {
    return [
      found,
      {
        level: 'fail',
        what: 'the running Weld serves no MCP socket, so `weld connect` finds nothing',
        fix: `stop it (kill ${instance.pid}), then ${START}`,
      },
    ];
  }
  return [
    found,
    {
      level: 'fail',
      what: `MCP socket ${socket} does not answer (${answer})`,
      fix: `restart Weld: kill ${instance.pid}, then ${START}`,
    },
  ];
}

/** A JSON-RPC ping over the socket, as `weld connect` would forward it. */
function socketAnswers(path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const done = (result: string) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(3000, () => done('no reply within 3 s'));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ENOENT' ? 'no socket file' : (err.code ?? err.message)),
    );
    socket.once('connect', () => socket.write('{"jsonrpc":"2.0","id":"weld-doctor","method":"ping"}\n'));
    let reply = '';
    socket.on('data', (d) => {
      reply += d;
      if (reply.includes('\n')) done(reply.includes('"weld-doctor"') ? 'answers' : 'an unexpected reply');
    });
  });
}

function clientEntry(client: McpClient, ctx: DoctorContext): Finding[] {
  const path = client.configPath(ctx.platform);
  const dir = client.appDir(ctx.platform);
  if (!path || !dir || (!existsSync(path) && !existsSync(dir))) return [];
  const setUp = `weld config ${client.id} --write`;
  if (!existsSync(path)) return [{ level: 'warn', what: `${client.name} is installed but has no MCP config yet`, fix: setUp }];
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return [
      {
        level: 'warn',
        what: `${client.name}: ${path} is not plain JSON, so it was not checked`,
        fix: `weld config ${client.id}, and compare by hand`,
      },
    ];
  }
  const servers = isPlainObject(config) ? config[client.serversKey] : undefined;
  const entry = isPlainObject(servers) ? servers[SERVER_NAME] : undefined;
  if (!isPlainObject(entry)) return [{ level: 'warn', what: `${client.name} does not use Weld (${path})`, fix: setUp }];
  const problem =
    typeof entry.command === 'string' ? stdioProblem(entry, ctx.home, ctx.platform.env.PATH ?? '') : httpProblem(entry, ctx.home);
  if (problem) return [{ level: 'fail', what: `${client.name}'s Weld entry in ${path}: ${problem}`, fix: setUp }];
  return [{ level: 'ok', what: `${client.name} uses Weld (${path})` }];
}

function stdioProblem(entry: Record<string, unknown>, home: string, PATH: string): string | null {
  const command = entry.command as string;
  const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
  // Desktop clients start servers without the shell's PATH; a bare name is judged by this one.
  const resolved = isAbsolute(command) ? command : onPath(command, PATH);
  if (!resolved || !executable(resolved)) return `its command ${command} does not exist or cannot run`;
  for (const p of [resolved, ...args.filter((a) => isAbsolute(a) && /\.[cm]?js$/.test(a))]) {
    if (!existsSync(p)) return `${p} does not exist`;
    if (inNpmCache(realpathSync(p))) return `${p} lies in npm's cache, which npm may delete`;
  }
  if (args.includes('serve')) return 'it starts a Weld of its own instead of connecting to the running one';
  const socketArg = args.indexOf('--socket');
  if (args.includes('connect') && socketArg >= 0 && args[socketArg + 1] !== weldPaths(home).socket) {
    return `it connects to ${args[socketArg + 1]}, not this data dir's socket ${weldPaths(home).socket}`;
  }
  return null;
}

function httpProblem(entry: Record<string, unknown>, home: string): string | null {
  const headers = isPlainObject(entry.headers) ? entry.headers : {};
  const auth = String(headers.Authorization ?? '');
  // A client-side secret (VS Code `inputs`) cannot be read from here.
  if (auth.includes('${input:')) return null;
  let token = '';
  try {
    token = readFileSync(join(home, 'http-token'), 'utf8').trim();
  } catch {
    return 'it needs the HTTP token, and this data dir has none yet';
  }
  return auth === `Bearer ${token}` ? null : "its bearer token is not this data dir's token";
}

function onPath(name: string, PATH: string): string | null {
  for (const dir of PATH.split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function weldOnPath(env: Record<string, string | undefined>): Finding {
  const found = onPath('weld', env.PATH ?? '');
  if (found && !inNpmCache(realpathSync(found))) return { level: 'ok', what: `weld on PATH: ${found}` };
  return { level: 'warn', what: 'no `weld` command on PATH', fix: 'in the Weld checkout: npm install -g .' };
}

function electron(root: string): Finding {
  const dir = join(root, 'node_modules', 'electron');
  try {
    const bin = join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8').trim());
    if (existsSync(bin)) return { level: 'ok', what: `Electron ${bin} (npm start opens the tray app)` };
  } catch {
    // Not downloaded.
  }
  if (!existsSync(dir)) return { level: 'ok', what: 'no Electron in this install: npm start serves the web UI' };
  return {
    level: 'warn',
    what: 'the Electron binary is not downloaded: npm start serves the web UI instead of the tray app',
    fix: `node ${join(dir, 'install.js')} (needs internet)`,
  };
}

function chromium(): Finding {
  const found = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (process.platform !== 'linux' || found)
    return { level: 'ok', what: found ? `Chromium ${found} (for the UI tests)` : 'Chromium not checked on this OS' };
  return {
    level: 'warn',
    what: 'no Chromium: the UI tests (npm test) skip their browser part',
    fix: 'apt-get install -y chromium',
  };
}

/** The package this `weld` runs from: bin/weld.js resolved through npm's links, two levels up. */
export function packageRootOf(script: string): string {
  return dirname(dirname(realpathSync(script)));
}
