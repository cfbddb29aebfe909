import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { compileGlob, type Glob } from '../../policy/glob.js';
import { HOST_PATHS, type PathRules } from '../../policy/path-rules.js';
import type { HostBridge } from '../host-bridge.js';
import { type CapabilityAnswer, type CapabilityUse, HOST_OPS, type Mount } from '../sandbox.js';
import { Refusal } from './fs-errors.js';

export type Access = 'read' | 'write';

/** One mount as this instance sees it: its grant plus what a person answered when asked. */
export interface MountState {
  readonly mount: Mount;
  /** Real path of hostPath, resolved on first use (the directory may appear after start). */
  realRoot: string | null;
  /**
   * Just-in-time answers. An allowance lasts for this instance (the engine restarts it when a grant
   * ends); a refusal lasts for the call, so a looping guest cannot flood a person with prompts, while
   * the next call asks again: the person may have opened the window or changed their mind since.
   */
  readonly answers: Partial<Record<Access, boolean>>;
  /** Another mount lies inside this one, so what a path may do is known only once it is resolved. */
  hasNested: boolean;
}

/** `path` is `root` or beneath it, compared as the host's file system compares names. */
export const inside = (root: string, path: string): boolean => HOST_PATHS.inside(root, path);

/**
 * Every filesystem decision for one instance: which mount governs a host path, deny globs, grants,
 * just-in-time requests and the audit notifications. Paths given to it are real host paths.
 */
export class FsPolicy {
  readonly mounts: MountState[];
  readonly #deny: Glob[];
  readonly #denyExact: Glob[];
  /** Every deny glob, of any access: a directory beneath which one could match may not be moved. */
  readonly #moveGuards: Glob[];
  readonly #dirs = new Map<string, boolean>();
  readonly #paths = new Map<string, boolean>();
  /** This call got a refusal, which endCall forgets. */
  #refusedInCall = false;

  constructor(
    mounts: Mount[],
    denyGlobs: string[],
    readonly bridge: HostBridge,
    denyExact: string[] = [],
    moveGuards: string[] = [],
    /** How the file system compares names: the host's, or another platform's in a test. */
    readonly paths: PathRules = HOST_PATHS,
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
        (b) => b !== a && b.mount.hostPath !== a.mount.hostPath && paths.inside(a.mount.hostPath, b.mount.hostPath),
      );
    const globs = (list: unknown, what: string): Glob[] => {
      if (!Array.isArray(list) || list.some((g) => typeof g !== 'string' || g === ''))
        throw new TypeError(`filesystem: ${what} must be non-empty strings`);
      // Matched as the file system compares names, and without backtracking (glob.ts): guests choose the names.
      return list.map((g: string) => compileGlob(g, paths.fold));
    };
    this.#deny = globs(denyGlobs, 'deny globs');
    this.#denyExact = globs(denyExact, 'exact deny globs');
    this.#moveGuards = [...this.#deny, ...globs(moveGuards, 'move guards')];
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
    let bestLen = own !== null && this.paths.inside(own, real) ? own.length : -1;
    for (const m of this.mounts) {
      const root = m.realRoot ?? this.#tryRoot(m);
      if (root !== null && root.length > bestLen && this.paths.inside(root, real)) {
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
   * The spellings of a real path that rules are written against, as compared (folded): the real path,
   * and the same path under each mount's configured hostPath (a user writes globs against the path
   * they know, which may be a symlink).
   */
  #spellings(real: string): string[] {
    const out = [this.paths.key(real)];
    for (const m of this.mounts) {
      const root = m.realRoot ?? this.#tryRoot(m);
      if (root !== null && root !== m.mount.hostPath && this.paths.inside(root, real))
        out.push(this.paths.key(m.mount.hostPath + real.slice(root.length)));
    }
    return out;
  }

  /** Whether a deny glob covers `real`: a denied directory denies everything beneath it. */
  isDenied(real: string): boolean {
    if (!this.#deny.length && !this.#denyExact.length) return false;
    for (const p of this.#spellings(real)) {
      if (this.#denyExact.some((g) => g(p))) return true;
      if (!this.#deny.length) continue;
      if (this.#deny.some((g) => g(p))) return true;
      const cut = p.lastIndexOf('/');
      if (cut > 0 && this.#dirDenied(p.slice(0, cut))) return true;
    }
    return false;
  }

  /** A directory (folded) or one of its ancestors matches: memoized, since every access repeats the same parents. */
  #dirDenied(dir: string): boolean {
    const known = this.#dirs.get(dir);
    if (known !== undefined) return known;
    const cut = dir.lastIndexOf('/');
    const denied = this.#deny.some((g) => g(dir)) || (cut > 0 && this.#dirDenied(dir.slice(0, cut)));
    // Bounded: a guest walking a huge tree must not grow this without limit.
    if (this.#dirs.size >= 4096) this.#dirs.clear();
    this.#dirs.set(dir, denied);
    return denied;
  }

  /** Forgets this call's refusals (see MountState.answers). */
  endCall(): void {
    // Every call ends here, in the worker: most never asked, and the path answers can hold 4096 entries.
    if (!this.#refusedInCall) return;
    this.#refusedInCall = false;
    for (const m of this.mounts) for (const a of ['read', 'write'] as const) if (m.answers[a] === false) delete m.answers[a];
    for (const [key, ok] of this.#paths) if (!ok) this.#paths.delete(key);
  }

  /** Whether `m` allows `access`, asking the engine (a person, or a headless deny) once per call. */
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
    if (!this.paths.inside(root, real)) throw new Refusal('not-permitted', 'outside the mount', real);
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
    let ok = false;
    try {
      const answer = this.bridge.call(HOST_OPS.request, { kind: 'storage', target: `fs://${hostPath}`, access }) as
        | CapabilityAnswer
        | undefined;
      ok = answer?.decision === 'allowed';
    } catch {}
    if (!ok) this.#refusedInCall = true;
    return ok;
  }

  /**
   * Moving a directory carries everything under it: refuse when a deny rule could match something
   * beneath it (whether the rule is anchored inside it or above it, like /data/**\/secret/**), or
   * another mount lies inside it, since after the move those rules would no longer cover the contents.
   */
  mayMoveDirectory(real: string): boolean {
    for (const p of this.#spellings(real)) if (this.#moveGuards.some((g) => g.couldMatchBelow(p))) return false;
    for (const m of this.mounts) {
      const root = m.realRoot ?? this.#tryRoot(m);
      if (root !== null && this.paths.inside(real, root)) return false;
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
