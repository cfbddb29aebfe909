import type { z } from 'zod';
import type { ApiErrorCode, ApiName, ApiOutput, api } from '../../src-preload/api.js';
import type { Weld } from '../engine/weld.js';

/** What a handler may use: the engine, plus facts about the shell that serves this UI. */
export interface ApiContext {
  weld: Weld;
  /** Recorded in the audit log as who made a change through the UI. */
  actor: string;
  shell: 'electron' | 'web';
  /** The MCP HTTP endpoint if this process serves one. */
  httpUrl: string | null;
  /** The MCP Unix socket (or pipe) if this process serves one. */
  socketPath: string | null;
  /** How an MCP client starts `weld` on this machine, for the copyable client config. */
  launcher: WeldLauncher;
}

export interface WeldLauncher {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** An expected failure with a message meant for the person using the UI. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Handlers receive the input after the contract parsed it. */
export type Handler<N extends ApiName> = (
  input: z.output<(typeof api)[N]['input']>,
  ctx: ApiContext,
) => ApiOutput<N> | Promise<ApiOutput<N>>;

export type Handlers<K extends ApiName> = { [N in K]: Handler<N> };
