import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { type Access, parseAccess } from './access.js';
import { PolicyError } from './errors.js';
import { parseFsUri } from './fs-uri.js';
import { type NetworkRule, parseCidr, parseHostRule } from './network-rules.js';
import { parseCpu, parseDuration, parseMemory, parseResultSize } from './quantities.js';

/**
 * A component's policy (policy-mcp-rs / Wassette YAML). It states what the component asks for and
 * what it promises never to touch; it never grants anything by itself.
 */
export interface Policy {
  version: string;
  description: string | null;
  storage: { allow: StorageEntry[]; deny: StorageEntry[] };
  network: { allow: NetworkRule[]; deny: NetworkRule[] };
  environment: { allow: string[] };
  resources: { memoryBytes: number | null; cpu: number | null; timeoutMs: number | null; resultBytes: number | null };
  /**
   * When an allow entry stops being asked for (epoch ms), keyed by `expiryKey`: a policy exported from
   * Weld keeps a grant's end date, so approving it on another machine grants no longer than the original.
   */
  expires: Record<string, number>;
}

/** The key of an allow entry in `Policy.expires`: its kind and its target as the requested list spells it. */
export const expiryKey = (kind: 'storage' | 'network' | 'environment', target: string): string => `${kind} ${target}`;

export interface StorageEntry {
  /** As written (relative and `~` URIs are resolved per component, see fs-uri.ts). */
  uri: string;
  access: Access;
}

export const MAX_POLICY_BYTES = 256 * 1024;
export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

const check =
  <T>(parse: (v: T) => unknown) =>
  (v: T, ctx: z.core.$RefinementCtx<T>) => {
    try {
      parse(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  };

const accessList = z
  .array(z.enum(['read', 'write'], { message: 'access entries must be "read" or "write"' }))
  .min(1, 'access must list read, write or both');
// A Weld extension to the policy-mcp format: an allow entry may end, as an ISO 8601 time with its offset.
const expires = z.iso
  .datetime({ offset: true, message: 'expires must be an ISO 8601 time, e.g. 2026-12-31T18:00:00Z' })
  .optional();
const storageEntry = z.strictObject({ uri: z.string().superRefine(check(parseFsUri)), access: accessList });
const storageAllow = storageEntry.extend({ expires });
const networkEntry = z
  .strictObject({
    host: z.string().superRefine(check(parseHostRule)).optional(),
    cidr: z.string().superRefine(check(parseCidr)).optional(),
    expires,
  })
  .superRefine((v, ctx) => {
    if ((v.host === undefined) === (v.cidr === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a network entry has exactly one of "host" or "cidr"' });
    }
  });
const envEntry = z.strictObject({
  key: z.string().regex(ENV_KEY, 'an environment key is letters, digits and _ (no wildcards), starting with a letter or _'),
  expires,
});
const list = <T extends z.ZodType>(item: T) => z.array(item).nullish();

const schema = z.strictObject({
  version: z.union([z.string(), z.number()]).superRefine((v, ctx) => {
    if (!/^1(\.\d+)*$/.test(String(v)))
      ctx.addIssue({ code: 'custom', message: `unsupported policy version "${v}": Weld reads version "1.0"` });
  }),
  description: z.string().nullish(),
  permissions: z
    .strictObject({
      storage: z.strictObject({ allow: list(storageAllow), deny: list(storageEntry) }).nullish(),
      network: z.strictObject({ allow: list(networkEntry), deny: list(networkEntry) }).nullish(),
      environment: z.strictObject({ allow: list(envEntry) }).nullish(),
      resources: z
        .strictObject({
          limits: z
            .strictObject({
              cpu: z.union([z.string(), z.number()]).superRefine(check(parseCpu)).optional(),
              memory: z
                .union([z.string(), z.number()])
                .superRefine(check((v) => parseMemory(String(v))))
                .optional(),
              timeout: z.string().superRefine(check(parseDuration)).optional(),
              /** Weld's own: the largest result a call may return ("4Mi" when absent). */
              result: z
                .union([z.string(), z.number()])
                .superRefine(check((v) => parseResultSize(String(v))))
                .optional(),
            })
            .nullish(),
          // The older policy-mcp-rs shape: cpu in percent of one core, memory in MB, io in IOPS (not enforced).
          cpu: z.number().min(0).max(100).optional(),
          memory: z
            .number()
            .int()
            .min(16)
            .max(16 * 1024)
            .optional(),
          io: z.number().int().min(0).optional(),
        })
        .nullish(),
    })
    .nullish(),
});

/** Parses and validates a policy; any problem is a PolicyError naming the line, column and reason. */
export function parsePolicy(yamlText: string): Policy {
  if (typeof yamlText !== 'string') throw new PolicyError('a policy must be YAML text');
  if (Buffer.byteLength(yamlText) > MAX_POLICY_BYTES)
    throw new PolicyError(`a policy is limited to ${MAX_POLICY_BYTES / 1024} KiB`);
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw new PolicyError(yamlReason(first.message), pos.line, pos.col);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 50 });
  if (data === null || data === undefined) throw new PolicyError('the policy is empty: it needs at least `version: "1.0"`', 1, 1);
  const result = schema.safeParse(data);
  if (!result.success) {
    const located = result.error.issues.map((issue) => locate(doc.contents, issue, lineCounter));
    located.sort((a, b) => a.offset - b.offset);
    const { reason, line, col } = located[0];
    throw new PolicyError(reason, line, col);
  }
  const p = result.data;
  const perms = p.permissions ?? {};
  const limits = perms.resources?.limits ?? {};
  const legacy = perms.resources ?? {};
  const expiry: Record<string, number> = {};
  const ends = (kind: 'storage' | 'network' | 'environment', target: string, at: string | undefined) => {
    if (at !== undefined) expiry[expiryKey(kind, target)] = Date.parse(at);
  };
  for (const e of perms.storage?.allow ?? []) ends('storage', e.uri, e.expires);
  for (const e of perms.network?.allow ?? []) ends('network', toNetworkRule(e).text, e.expires);
  for (const e of perms.environment?.allow ?? []) ends('environment', e.key, e.expires);
  return {
    version: String(p.version),
    description: p.description ?? null,
    storage: {
      allow: (perms.storage?.allow ?? []).map((e) => ({ uri: e.uri, access: parseAccess(e.access) })),
      deny: (perms.storage?.deny ?? []).map((e) => ({ uri: e.uri, access: parseAccess(e.access) })),
    },
    network: {
      allow: (perms.network?.allow ?? []).map(toNetworkRule),
      deny: (perms.network?.deny ?? []).map(toNetworkRule),
    },
    environment: { allow: [...new Set((perms.environment?.allow ?? []).map((e) => e.key))] },
    resources: {
      memoryBytes:
        limits.memory !== undefined
          ? parseMemory(String(limits.memory))
          : legacy.memory !== undefined
            ? legacy.memory * 1024 ** 2
            : null,
      cpu: limits.cpu !== undefined ? parseCpu(limits.cpu) : legacy.cpu ? legacy.cpu / 100 : null,
      timeoutMs: limits.timeout === undefined ? null : parseDuration(limits.timeout),
      resultBytes: limits.result === undefined ? null : parseResultSize(String(limits.result)),
    },
    expires: expiry,
  };
}

function toNetworkRule(e: { host?: string; cidr?: string }): NetworkRule {
  return e.host !== undefined ? parseHostRule(e.host) : parseCidr(e.cidr as string);
}

function yamlReason(message: string): string {
  // The yaml package appends a code excerpt after the first line; the position is reported separately.
  return `invalid YAML: ${message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`;
}

interface Located {
  reason: string;
  line: number;
  col: number;
  offset: number;
}

function locate(root: Node | null, issue: z.core.$ZodIssue, lc: LineCounter): Located {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  let node: Node | null = root;
  for (const key of path) {
    const next = child(node, key);
    if (!next) break;
    node = next.value;
  }
  const last = path.at(-1);
  const field =
    typeof last === 'number'
      ? `entry ${last + 1} of "${String(path.at(-2))}"`
      : typeof last === 'string'
        ? `"${last}"`
        : 'the policy';
  let offset = node?.range?.[0] ?? 0;
  let reason: string;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const pair = isMap(node) ? node.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key) : undefined;
    if (pair && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
    reason =
      (key === 'runtime' || key === 'ipc') && last === 'permissions'
        ? `"${key}" (policy-mcp ${key} settings) is not supported by Weld; remove it`
        : `unknown key "${key}" in ${field}`;
  } else if (typeof last === 'string' && nodeAt(root, path) === null) {
    reason = `${field} is required`;
  } else if (issue.code === 'invalid_type') {
    reason = `${field} must be ${article(issue.expected)}`;
  } else {
    reason = `${field}: ${issue.message}`;
  }
  const pos = lc.linePos(offset);
  return { reason, line: pos.line, col: pos.col, offset };
}

function nodeAt(root: Node | null, path: (string | number)[]): Node | null {
  let node: Node | null = root;
  for (const key of path) {
    const next = child(node, key);
    if (!next) return null;
    node = next.value;
  }
  return node;
}

function child(node: Node | null, key: string | number): { value: Node | null } | null {
  if (isMap(node)) {
    const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key);
    return pair ? { value: (pair.value as Node | null) ?? (pair.key as Node) } : null;
  }
  if (isSeq(node) && typeof key === 'number') {
    const item = node.items[key];
    return item ? { value: item as Node } : null;
  }
  return null;
}

function article(expected: string): string {
  const words: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    array: 'a list',
    object: 'a mapping',
    boolean: 'true or false',
  };
  return words[expected] ?? expected;
}
