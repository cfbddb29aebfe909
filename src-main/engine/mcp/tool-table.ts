import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';

export interface ToolContent {
  type: 'text';
  text: string;
}

export interface ToolResult {
  [key: string]: unknown;
  content: ToolContent[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** MCP's log levels, least severe first (RFC 5424 names). */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A message for the client that made the call (MCP notifications/message); `logger` names the source. */
export type CallLog = (level: LogLevel, logger: string, data: string) => void;

export interface ToolCallContext {
  callId: string;
  client: string | null;
  signal: AbortSignal;
  /** Present when the client asked for progress notifications. */
  progress?: (progress: number, total?: number, message?: string) => void;
  /** Present when the call came from an MCP client, which gets these as notifications/message. */
  log?: CallLog;
  /** A component's captured stdout/stderr for this call, kept in the call log (never sent to stdout). */
  attachOutput?: (stdout: string, stderr: string, dropped: number) => void;
  /** Weld refused the guest something during this call (a grant missing, a person said no). */
  refused?: (notes: readonly string[]) => void;
}

/** MCP tool annotations: hints for clients and models, never a security boundary. */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolDefinition {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  /** Read each time the list is built: they can change while the tool stays (see announceChange). */
  annotations?: () => ToolAnnotations;
  /** null for Weld's built-in management tools. */
  componentId: string | null;
  invoke(args: Record<string, unknown>, ctx: ToolCallContext): Promise<ToolResult>;
}

/** Checks a call's arguments against the tool's input schema: null when they fit, else why not. */
export type ArgsValidator = (args: unknown) => Promise<ErrorObject[] | null>;

export interface RegisteredTool extends ToolDefinition {
  validate: ArgsValidator;
}

export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/**
 * The one table of callable tools. Names are unique across built-ins and components; collisions are
 * refused here, at load time, so a call never has to guess which tool it meant.
 */
export class ToolTable {
  readonly #tools = new Map<string, RegisteredTool>();
  readonly #listeners = new Set<() => void>();
  #ajv: Promise<Ajv2020> | undefined;

  list(): RegisteredTool[] {
    return [...this.#tools.values()];
  }

  get(name: string): RegisteredTool | undefined {
    return this.#tools.get(name);
  }

  has(name: string): boolean {
    return this.#tools.has(name);
  }

  /** Adds tools atomically: either all are added or none (a collision throws before any change). */
  add(defs: readonly ToolDefinition[]): void {
    const seen = new Set<string>();
    for (const d of defs) {
      if (!TOOL_NAME.test(d.name)) throw new Error(`invalid tool name "${d.name}": must match ${TOOL_NAME}`);
      if (this.#tools.has(d.name) || seen.has(d.name)) throw new Error(`a tool named "${d.name}" is already loaded`);
      seen.add(d.name);
    }
    for (const d of defs) this.#tools.set(d.name, { ...d, validate: this.#validator(d.inputSchema) });
    if (defs.length) this.#changed();
  }

  removeComponent(componentId: string): void {
    let removed = false;
    for (const [name, t] of this.#tools) {
      if (t.componentId === componentId) {
        this.#tools.delete(name);
        removed = true;
      }
    }
    if (removed) this.#changed();
  }

  /** Tells listeners the list changed although no tool was added or removed (annotations did). */
  announceChange(): void {
    this.#changed();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Compiled on the tool's first call, not when it is added: a server starts with a dozen built-in
   * tools, and compiling their schemas up front cost ~80 ms of every cold start (the first compile
   * alone ~60 ms), before a client had asked for anything. Ajv itself loads then too: a server
   * loads it with the MCP SDK, after starting its workers (WeldOptions.prewarm).
   */
  #validator(schema: Record<string, unknown>): ArgsValidator {
    let compiled: ValidateFunction | undefined;
    return async (args) => {
      compiled ??= (await this.#compiler()).compile(schema);
      return compiled(args) ? null : (compiled.errors ?? []);
    };
  }

  #compiler(): Promise<Ajv2020> {
    // JSON Schema 2020-12, the dialect MCP 2025-11-25 assumes and the one Weld's schemas declare.
    // validateSchema: false skips checking each schema against the meta-schema, whose own
    // compile was ~25 ms of the first call. Each keyword still checks its value as it compiles (a
    // misspelled type or a `required` that is not an array throws), and the schemas are Weld's own:
    // the built-in tools' and those generated from WIT, which the schema tests compile in full.
    this.#ajv ??= import('ajv/dist/2020.js').then(
      ({ Ajv2020 }) =>
        new Ajv2020({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false, validateSchema: false }),
    );
    return this.#ajv;
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}

export function textResult(text: string, structured?: Record<string, unknown>): ToolResult {
  return structured
    ? { content: [{ type: 'text', text }], structuredContent: structured }
    : { content: [{ type: 'text', text }] };
}

export function errorResult(text: string): ToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
