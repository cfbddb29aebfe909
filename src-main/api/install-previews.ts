import { randomBytes } from 'node:crypto';
import type { TrustOnce } from '../engine/registry/trust-policy.js';
import type { InstallSource } from '../engine/runtime/install.js';

export interface Preview {
  source: InstallSource;
  /** The digest the person was shown; install refuses anything else. */
  digest: string;
  /** The signer the person trusted for this install only, recorded in the audit log when it installs. */
  trustedOnce?: TrustOnce;
  at: number;
}

/**
 * Analysed components waiting for the person's click. Install takes the same bytes that were shown
 * (no second download whose tag may have moved), so the cache is kept small and short-lived: a few
 * entries of at most 64 MiB, forgotten after 15 minutes.
 */
export class InstallPreviews {
  readonly #entries = new Map<string, Preview>();

  constructor(readonly opts: { max?: number; ttlMs?: number; now?: () => number } = {}) {}

  add(source: InstallSource, digest: string, trustedOnce?: TrustOnce): string {
    this.#sweep();
    const max = this.opts.max ?? 4;
    while (this.#entries.size >= max) this.#entries.delete(this.#entries.keys().next().value as string);
    const id = randomBytes(12).toString('base64url');
    this.#entries.set(id, { source, digest, trustedOnce, at: this.#now() });
    return id;
  }

  get(id: string): Preview | undefined {
    this.#sweep();
    return this.#entries.get(id);
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }

  #now(): number {
    return (this.opts.now ?? Date.now)();
  }

  #sweep(): void {
    const oldest = this.#now() - (this.opts.ttlMs ?? 15 * 60_000);
    for (const [id, p] of this.#entries) if (p.at < oldest) this.#entries.delete(id);
  }
}
