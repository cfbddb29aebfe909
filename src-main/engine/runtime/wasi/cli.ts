import { type ByteSink, emptySource, InputStream, OutputStream } from './streams.js';

/** Thrown through the guest by wasi:cli/exit: it ends the call, never the Weld process. */
export class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`the component exited with code ${code}`);
  }
}

class TerminalInput {}
class TerminalOutput {}

export interface CliCaptures {
  stdout: ByteSink;
  stderr: ByteSink;
}

/**
 * wasi:cli for a tool call: no arguments, no cwd, stdin empty, stdout/stderr captured into bounded
 * buffers that go to the call log, and only the granted environment. There is no terminal.
 */
/** Told which granted environment keys a guest read, for the audit. */
export type EnvAudit = (key: string, decision: 'allowed') => void;

export function createCli(env: readonly [string, string][], captures: CliCaptures, audit: EnvAudit) {
  const stdin = new InputStream(emptySource);
  const stdout = new OutputStream(captures.stdout);
  const stderr = new OutputStream(captures.stderr);
  return {
    environment: {
      getEnvironment: () =>
        env.map(([k, v]) => {
          audit(k, 'allowed');
          return [k, v];
        }),
      getArguments: () => [],
      initialCwd: () => undefined,
    },
    exit: {
      exit(status: { tag: 'ok' | 'err' }) {
        throw new GuestExit(status.tag === 'err' ? 1 : 0);
      },
      exitWithCode(code: number) {
        throw new GuestExit(code);
      },
    },
    stdin: { getStdin: () => stdin },
    stdout: { getStdout: () => stdout },
    stderr: { getStderr: () => stderr },
    terminalInput: { TerminalInput },
    terminalOutput: { TerminalOutput },
    terminalStdin: { getTerminalStdin: () => undefined },
    terminalStdout: { getTerminalStdout: () => undefined },
    terminalStderr: { getTerminalStderr: () => undefined },
  };
}

/**
 * wasi:config/store (0.2.0-draft), which tools written for Wassette use for settings and API keys:
 * backed by the same granted keys as the environment.
 */
export function createConfigStore(env: readonly [string, string][], audit: EnvAudit) {
  // Read live: the engine refreshes granted values before each call.
  return {
    get: (key: string) => {
      const value = env.find(([k]) => k === key)?.[1];
      // A missing key is an ordinary answer (optional settings), not a refusal worth a notice.
      if (value !== undefined) audit(key, 'allowed');
      return value;
    },
    getAll: () =>
      env.map(([k, v]) => {
        audit(k, 'allowed');
        return [k, v] as [string, string];
      }),
  };
}
