import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AuditHead {
  seq: number;
  hash: string;
}

export type AnchorState = { kind: 'none' } | { kind: 'head'; head: AuditHead } | { kind: 'bad'; reason: string };

/**
 * The chain alone proves rows were not edited in place, but deleting its last rows, or rewriting the
 * whole chain, still verifies. So the head (last seq and hash) is also kept outside the database, in a
 * file MAC'd with a key of its own: a database cut short or rewritten no longer matches it. The head may
 * lag the database by the rows of the last moments before a crash; it never runs ahead of it.
 */
export class AuditAnchor {
  readonly #headPath: string;
  readonly #keyPath: string;
  #key: Buffer | undefined;

  constructor(dir: string) {
    this.#headPath = join(dir, 'audit-head.json');
    this.#keyPath = join(dir, 'audit.key');
  }

  #mac(key: Buffer, head: AuditHead): string {
    return createHmac('sha256', key).update(`weld-audit-head\n${head.seq}\n${head.hash}`).digest('hex');
  }

  #loadKey(create: boolean): Buffer | undefined {
    if (this.#key) return this.#key;
    if (existsSync(this.#keyPath)) this.#key = readFileSync(this.#keyPath);
    else if (create) {
      const key = randomBytes(32);
      writeFileSync(this.#keyPath, key, { mode: 0o600, flag: 'wx' });
      this.#key = key;
    }
    return this.#key;
  }

  read(): AnchorState {
    const key = this.#loadKey(false);
    if (!existsSync(this.#headPath)) {
      // A key without a head means a head was written once and has been removed since.
      return key ? { kind: 'bad', reason: `the audit head ${this.#headPath} is missing` } : { kind: 'none' };
    }
    if (!key) return { kind: 'bad', reason: `the audit head key ${this.#keyPath} is missing` };
    let parsed: { seq?: unknown; hash?: unknown; mac?: unknown };
    try {
      parsed = JSON.parse(readFileSync(this.#headPath, 'utf8'));
    } catch {
      return { kind: 'bad', reason: `the audit head ${this.#headPath} is damaged` };
    }
    const { seq, hash, mac } = parsed;
    if (typeof seq !== 'number' || typeof hash !== 'string' || typeof mac !== 'string' || mac.length !== 64)
      return { kind: 'bad', reason: `the audit head ${this.#headPath} is damaged` };
    const head = { seq, hash };
    if (!timingSafeEqual(Buffer.from(this.#mac(key, head), 'hex'), Buffer.from(mac, 'hex')))
      return { kind: 'bad', reason: `the audit head ${this.#headPath} was not written by Weld (its MAC does not match)` };
    return { kind: 'head', head };
  }

  /** Moves the head forward (never back: another process may have written a later one). */
  write(head: AuditHead): void {
    const current = this.read();
    if (current.kind === 'head' && current.head.seq >= head.seq) return;
    const key = this.#loadKey(true) as Buffer;
    const tmp = `${this.#headPath}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ ...head, mac: this.#mac(key, head) })}\n`, { mode: 0o600 });
    renameSync(tmp, this.#headPath);
  }
}
