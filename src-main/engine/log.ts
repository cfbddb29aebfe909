import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * Logs never go to stdout: in `serve --stdio` stdout is the MCP stream and one stray line breaks
 * the client. The sink is stderr or a file.
 */
export function createLogger(opts: { level?: LogLevel; file?: string; write?: (line: string) => void } = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write =
    opts.write ??
    (opts.file ? (line: string) => appendFileSync(opts.file as string, line) : (line: string) => process.stderr.write(line));
  const log = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const extra = fields ? ` ${JSON.stringify(fields)}` : '';
    write(`${new Date().toISOString()} ${level} ${msg}${extra}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
