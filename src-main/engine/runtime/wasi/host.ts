import type { HostBridge } from '../host-bridge.js';
import { HOST_OPS, type SandboxPlan } from '../sandbox.js';
import { type CliCaptures, createCli, createConfigStore } from './cli.js';
import { createClocks } from './clocks.js';
import { createFilesystem } from './filesystem.js';
import { createHttp } from './http.js';
import { createRandom } from './random.js';
import { createSockets } from './sockets.js';
import { InputStream, IoError, OutputStream, Pollable, poll } from './streams.js';

/**
 * The complete set of WASI 0.2 interfaces one instance gets, keyed as the jco glue asks for them.
 * Every object here is created for this instance from its plan: nothing is shared with other
 * instances and nothing falls back to the process (env, cwd, stdio, sockets).
 */
export function createWasiImports(
  plan: SandboxPlan,
  bridge: HostBridge,
  captures: CliCaptures,
): { imports: Record<string, object>; dispose(): void; endCall(): void } {
  const envAudit = (key: string, decision: 'allowed') =>
    bridge.notify(HOST_OPS.used, { kind: 'environment', target: key, access: 'read', decision });
  const cli = createCli(plan.env, captures, envAudit);
  const fs = createFilesystem({
    mounts: plan.mounts,
    denyGlobs: plan.denyGlobs,
    denyExact: plan.denyExact,
    moveGuards: plan.moveGuards,
    bridge,
  });
  const http = createHttp({ bridge });
  const clocks = createClocks();
  const random = createRandom();
  const sockets = createSockets(bridge);
  const imports = {
    'wasi:cli/environment': cli.environment,
    'wasi:cli/exit': cli.exit,
    'wasi:cli/stdin': cli.stdin,
    'wasi:cli/stdout': cli.stdout,
    'wasi:cli/stderr': cli.stderr,
    'wasi:cli/terminal-input': cli.terminalInput,
    'wasi:cli/terminal-output': cli.terminalOutput,
    'wasi:cli/terminal-stdin': cli.terminalStdin,
    'wasi:cli/terminal-stdout': cli.terminalStdout,
    'wasi:cli/terminal-stderr': cli.terminalStderr,
    'wasi:clocks/monotonic-clock': clocks.monotonicClock,
    'wasi:clocks/wall-clock': clocks.wallClock,
    'wasi:config/store': createConfigStore(plan.env, envAudit),
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:random/random': random.random,
    'wasi:random/insecure': random.insecure,
    'wasi:random/insecure-seed': random.insecureSeed,
    'wasi:sockets/network': sockets.network,
    'wasi:sockets/instance-network': sockets.instanceNetwork,
    'wasi:sockets/tcp-create-socket': sockets.tcpCreateSocket,
    'wasi:sockets/udp-create-socket': sockets.udpCreateSocket,
    'wasi:sockets/tcp': sockets.tcp,
    'wasi:sockets/udp': sockets.udp,
    'wasi:sockets/ip-name-lookup': sockets.ipNameLookup,
    'wasi:filesystem/preopens': fs.preopens,
    'wasi:filesystem/types': fs.types,
    'wasi:http/types': http.types,
    'wasi:http/outgoing-handler': http.outgoingHandler,
  };
  // Host file descriptors belong to the process, not the worker: a discarded instance closes its own.
  return { imports, dispose: () => fs.closeAll(), endCall: () => fs.endCall() };
}
