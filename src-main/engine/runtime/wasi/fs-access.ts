import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { HostBridge } from '../host-bridge.js';
import { type CapabilityAnswer, type CapabilityUse, HOST_OPS, type Mount } from '../sandbox.js';
import { Refusal } from './fs-errors.js';

export type Access = 'read' | 'write';

/** One mount as this instance sees it: its grant plus what a person answered when asked. */
export interface MountState {
  readonly mount: Mount;
  /** Real path of hostPath, resolved on first use (the directory may appear after start). */
  realRoot: string | null;
  /** Just-in-time answers, remembered for this instance; denials too, so a looping guest cannot flood a person with prompts. */
  readonly answers: Partial<Record<Access, boolean>>;
  /** Another mount lies inside this one, so what a path may do is known only once it is resolved. */
  hasNested: boolean;
}

export const inside = (root: string, path: string): boolean =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * Every filesystem decision for one instance: which mount governs a host path, deny globs, grants,
 * just-in-time requests and the audit notifications. Paths given to it are real host paths.
 */
export class FsPolicy {
  readonly mounts: MountState[];
  readonly #isDenied: ((path: string) => boolean) | null;
  readonly #isDeniedExact: ((path: string) => boolean) | null;
  /** Static prefixes of the deny globs: a directory holding one may not be moved (its contents would leave the glob). */
  readonly #denyBases: string[];
  readonly #dirs = new Map<string, boolean>();
  readonly #paths = new Map<string, boolean>();

  constructor(
    mounts: Mount[],
    denyGlobs: string[],
    readonly bridge: HostBridge,
    denyExact: string[] = [],
  ) {
    if (!Array.isArray(mounts)) throw new TypeError('filesystem: mounts must be an array');
    if (!Array.isArray(denyGlobs)) throw new TypeError('filesystem: denyGlobs must be an array');
    this.mounts = mounts.map((m, i) => {
      if (!m || typeof m.guestPath !== 'string' || m.guestPath === '')
        throw new TypeError(`filesystem: mount ${i} needs a non-empty guestPath`);
      if (typeof m.hostPath !== 'string' || !isAbsolute(m.hostPath))
        throw new TypeError(`filesystem: mount ${m.guestPath} needs an absolute hostPath, got ${String(m.hostPath)}`);
      if (typeof m.read !== 'boolean' || typeof m.write !== 'boolean')
        throw new TypeError(`filesystem: mount ${m.guestPath} needs boolean read and write`);
      if (m.checkEach !== undefined && typeof m.checkEach !== 'boolean')
        throw new TypeError(`filesystem: mount ${m.guestPath} has a non-boolean checkEach`);
      return {
        mount: { ...m, hostPath: resolve(m.hostPath) },
        realRoot: null,
        answers: {},
        hasNested: false,
      };
    });
    for (const a of this.mounts)
      a.hasNested = this.mounts.some(
        (b) => b !== a && b.mount.hostPath !== a.mount.hostPath && inside(a.mount.hostPath, b.mount.hostPath),
      );
    for (const g of denyGlobs)
      if (typeof g !== 'string' || g === '') throw new TypeError('filesystem: every deny glob must be a non-empty string');
    // dot: a deny of /home/me/** must cover /home/me/.ssh too.
    this.#isDenied = denyGlobs.length ? picomatch(denyGlobs, { dot: true }) : null;
    if (!Array.isArray(denyExact) || denyExact.some((g) => typeof g !== 'string' || g === ''))
      throw new TypeError('filesystem: denyExact must be non-empty strings');
    this.#isDeniedExact = denyExact.length ? picomatch(denyExact, { dot: true }) : null;
    this.#denyBases = denyGlobs.map((g) => picomatch.scan(g).base).filter((b) => isAbsolute(b));
  }

  /** Real path of the mount root; 'no-entry' while the directory does not exist. */
  realRoot(m: MountState): string {
    if (m.realRoot === null) {
      try {
        m.realRoot = realpathSync(m.mount.hostPath);
      } catch {
        throw 'no-entry';
      }
    }
    return m.realRoot;
  }

  /** The innermost mount containing `real`: a read-only mount inside a writable one stays read-only. */
  governing(real: string, fallback: MountState): MountState {
    // The descriptor's own mount governs unless one strictly nested in it holds the path (two mounts
    // of the same directory do not override each other).
    let best = fallback;
    const own = fallback.realRoot;
    let bestLen = own !== null && inside(own, real) ? own.length : -1;
    for (const m of this.mounts) {
      const root = m.realRoot ?? this.#tryRoot(m);
      if (root !== null && root.length > bestLen && inside(root, real)) {
        best = m;
        bestLen = root.length;
      }
    }
    return best;
  }

  #tryRoot(m: MountState): string | null {
    try {
      return this.realRoot(m);
    } catch {
      return null;
    }
  }

  /**
   * Deny globs are matched against the real path and against the same path spelled under each
   * mount's configured hostPath (a user writes globs against the path they know, which may be a
   * symlink). A denied directory denies everything beneath it.
   */
  isDenied(real: string): boolean {
    const match = this.#isDenied;
    const exact = this.#isDeniedExact;
    if (!match && !exact) return false;
    const spellings = [real];
    for (const m of this.mounts) {
      const root = m.realRoot ?? this.#tryRoot(m);
      if (root !== null && root !== m.mount.hostPath && inside(root, real))
        spellings.push(m.mount.hostPath + real.slice(root.length));
    }
    for (const p of spellings) {
      if (exact?.(p)) return true;
      if (!match) continue;
      if (match(p)) return true;
      const cut = p.lastIndexOf(sep);
      if (cut > 0 && this.#dirDenied(p.slice(0, cut))) return true;
    }
    return false;
  }

  /** A directory or one of its ancestors matches: memoized, since every access repeats the same parents. */
  #dirDenied(dir: string): boolean {
    const known = this.#dirs.get(dir);
    if (known !== undefined) return known;
    const cut = dir.lastIndexOf(sep);
    const denied = (this.#isDenied as (p: string) => boolean)(dir) || (cut > 0 && this.#dirDenied(dir.slice(0, cut)));
    // Bounded: a guest walking a huge tree must not grow this without limit.
    if (this.#dirs.size >= 4096) this.#dirs.clear();
    this.#dirs.set(dir, denied);
    return denied;
  }

  /** Whether `m` allows `access`, asking the engine (a person, or a headless deny) once per instance. */
  mayAccess(m: MountState, access: Access): boolean {
    return this.#mountAnswer(m, access).ok;
  }

  /** `asked`: the engine answered just now, and has already recorded and announced its decision. */
  #mountAnswer(m: MountState, access: Access): { ok: boolean; asked: boolean } {
    if (m.mount[access]) return { ok: true, asked: false };
    const known = m.answers[access];
    if (known !== undefined) return { ok: known, asked: false };
    const ok = this.#ask(m.mount.hostPath, access);
    m.answers[access] = ok;
    return { ok, asked: true };
  }

  /**
   * Before resolving a path under a mount with nothing nested in it: a mount the guest may not use
   * must not even reveal which names exist in it.
   */
  gate(m: MountState, access: Access, display: string): void {
    // Under a checkEach mount the decision is per path: the engine answers once the path is known.
    if (m.hasNested || m.mount.checkEach) return;
    const answer = this.#mountAnswer(m, access);
    if (!answer.ok) throw this.#refuse(m, access, display, answer.asked);
  }

  /**
   * The final decision on one real host path, audited once. `boundary` is the root the guest's
   * descriptor lives under: a resolved path outside it means something moved under our feet.
   */
  authorize(from: MountState, real: string, access: Access): void {
    const root = this.realRoot(from);
    if (!inside(root, real)) throw new Refusal('not-permitted', 'outside the mount', real);
    if (this.isDenied(real)) throw new Refusal('access', 'a deny rule covers this path', real);
    const gov = this.governing(real, from);
    if (gov.mount.checkEach) {
      const answer = this.#pathAnswer(real, access);
      if (!answer.ok) throw new Refusal('access', `${access} of this path is not granted`, real, answer.asked);
    } else {
      const answer = this.#mountAnswer(gov, access);
      if (!answer.ok) throw this.#refuse(gov, access, real, answer.asked);
    }
    this.audit(real, access, 'allowed');
  }

  /** The engine's answer for one path of a checkEach mount, remembered for this instance (bounded). */
  #pathAnswer(real: string, access: Access): { ok: boolean; asked: boolean } {
    const key = `${access}:${real}`;
    const known = this.#paths.get(key);
    if (known !== undefined) return { ok: known, asked: false };
    const ok = this.#ask(real, access);
    if (this.#paths.size >= 4096) this.#paths.clear();
    this.#paths.set(key, ok);
    return { ok, asked: true };
  }

  #ask(hostPath: string, access: Access): boolean {
    try {
      const answer = this.bridge.call(HOST_OPS.request, { kind: 'storage', target: `fs://${hostPath}`, access }) as
        | CapabilityAnswer
        | undefined;
      return answer?.decision === 'allowed';
    } catch {
      return false;
    }
  }

  /**
   * Moving a directory carries everything under it: refuse when a deny glob or another mount is
   * anchored inside it, since after the move those rules would no longer cover the contents.
   */
  mayMoveDirectory(real: string): boolean {
    for (const base of this.#denyBases) if (inside(real, base)) return false;
    for (const m of this.mounts) {
      const root = m.realRoot ?? this.#tryRoot(m);
      if (root !== null && inside(real, root)) return false;
    }
    return true;
  }

  #refuse(m: MountState, access: Access, target: string, asked: boolean): Refusal {
    const readOnly = access === 'write' && m.mount.read && !m.mount.write;
    return new Refusal(readOnly ? 'read-only' : 'access', `${access} not granted on ${m.mount.hostPath}`, target, asked);
  }

  audit(path: string, access: Access, decision: CapabilityUse['decision'], reason?: string, asked = false): void {
    const use: CapabilityUse = { kind: 'storage', target: `fs://${path}`, access, decision, reason };
    if (asked) use.asked = true;
    try {
      this.bridge.notify(HOST_OPS.used, use);
    } catch {
      // The audit channel closing must not turn a guest's file access into a trap.
    }
  }
}
