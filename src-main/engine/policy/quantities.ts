/** Resource quantities as people write them in policies: "512Mi", "1Gi", "500m" CPU, "30s". */

const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
};

/** Below this a component cannot even hold its own code; above it a laptop swaps. */
export const MIN_MEMORY_BYTES = 16 * 1024 ** 2;
export const MAX_MEMORY_BYTES = 16 * 1024 ** 3;

function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a memory quantity: write a number with Ki, Mi or Gi (e.g. "512Mi", "1Gi")`);
  return Math.floor(Number(m[1]) * MEMORY_UNITS[m[2] ?? '']);
}

export function parseMemory(text: string): number {
  const bytes = parseBytes(text);
  if (bytes < MIN_MEMORY_BYTES) throw new Error(`memory "${text}" is below the 16Mi minimum`);
  if (bytes > MAX_MEMORY_BYTES) throw new Error(`memory "${text}" is above the 16Gi maximum`);
  return bytes;
}

/**
 * The largest result a tool may return. The ceiling keeps every reply well inside what a socket client
 * may leave unread before Weld closes its connection (32 MiB): no result can cost a client its session.
 */
export const DEFAULT_RESULT_BYTES = 4 * 1024 ** 2;
export const MAX_RESULT_BYTES = 16 * 1024 ** 2;
const MIN_RESULT_BYTES = 1024;

export function parseResultSize(text: string): number {
  const bytes = parseBytes(text);
  if (bytes < MIN_RESULT_BYTES) throw new Error(`result size "${text}" is below the 1Ki minimum`);
  if (bytes > MAX_RESULT_BYTES) throw new Error(`result size "${text}" is above the 16Mi maximum`);
  return bytes;
}

/** CPU in cores: "500m" is half a core, "2" two cores. */
export function parseCpu(text: string | number): number {
  const s = String(text).trim();
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(s);
  if (!m) throw new Error(`"${s}" is not a CPU quantity: write cores ("1", "0.5") or millicores ("500m")`);
  const cores = m[2] ? Number(m[1]) / 1000 : Number(m[1]);
  if (cores <= 0) throw new Error(`cpu "${s}" must be more than zero`);
  if (cores > 256) throw new Error(`cpu "${s}" is more than 256 cores`);
  return cores;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
export const MAX_TIMEOUT_MS = 3_600_000;

/** A duration with its unit ("500ms", "30s", "2m"); a bare number is refused because its unit would be a guess. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration: write a number with ms, s, m or h (e.g. "30s")`);
  const ms = Math.round(Number(m[1]) * DURATION_UNITS[m[2]]);
  if (ms < 1) throw new Error(`timeout "${text}" must be at least 1ms`);
  if (ms > MAX_TIMEOUT_MS) throw new Error(`timeout "${text}" is longer than the 1h maximum`);
  return ms;
}

const EXPIRY_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** How long a grant lasts, as typed on the command line ("30m", "8h", "7d"); at most a year. */
export function parseExpiry(text: string): number {
  const m = /^(\d+)(m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration: write minutes, hours or days (e.g. "30m", "8h", "7d")`);
  const ms = Number(m[1]) * EXPIRY_UNITS[m[2]];
  if (ms < 60_000 || ms > 365 * 86_400_000) throw new Error(`"${text}" must be between 1m and 365d`);
  return ms;
}
