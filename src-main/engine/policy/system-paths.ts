import { GrantError } from './errors.js';
import { escapeGlob } from './fs-uri.js';
import { HOST_PATHS, type PathRules } from './path-rules.js';

/**
 * Kernel and device trees: never files a tool needs, and each one a way out of the sandbox.
 * `/proc/self/environ` is Weld's environment (tokens, keys), `/proc/self/mem` its memory, `/dev` holds
 * disks and terminals, `/sys` kernel switches. macOS has `/dev` only and Windows reaches devices
 * through `\\.\` names, which fs:// URIs cannot spell (they refuse backslashes); all three are kept
 * out everywhere, so a grant made on one platform means the same on another.
 */
export const SYSTEM_TREES = ['/proc', '/sys', '/dev'] as const;

/** Deny globs covering each tree and everything beneath it. */
export function systemDenyGlobs(): string[] {
  return SYSTEM_TREES.flatMap((t) => [escapeGlob(t), `${escapeGlob(t)}/**`]);
}

export const SYSTEM_DENY_LABEL = 'the kernel and device trees (/proc, /sys, /dev) are never open to components';

/** The tree a host path lies in, if any. */
export function systemTreeOf(path: string, paths: PathRules = HOST_PATHS): string | null {
  return SYSTEM_TREES.find((t) => paths.inside(t, path)) ?? null;
}

/**
 * Refuses a storage grant whose fixed part lies in a system tree, at the moment it is made: a grant
 * that could never take effect must not look as if it had.
 */
export function refuseSystemPath(target: string, base: string, paths: PathRules = HOST_PATHS): void {
  const tree = systemTreeOf(base, paths);
  if (tree)
    throw new GrantError(
      `${target} is inside ${tree}, and ${SYSTEM_DENY_LABEL} (/proc/self/environ alone would hand over Weld's environment)`,
      'bad-target',
    );
}
