import type { CapabilityUse } from './sandbox.js';

/** Distinct accesses of one call written to the audit log one by one; the rest are counted. */
export const ITEMISED_PER_CALL = 200;
/** Calls followed at once; the oldest is summed up early when a guest keeps more open. */
const MAX_CALLS = 256;
/** What a guest-chosen target may occupy in an audit row or a tool result. */
export const MAX_TARGET_CHARS = 4096 + 'fs://'.length;

/** Uses of one call that were not itemised, grouped by what they did. */
export interface UseSummary {
  callId: string | null;
  componentId: string;
  kind: CapabilityUse['kind'];
  access: string;
  decision: CapabilityUse['decision'];
  /** Uses not written one by one. */
  count: number;
  /** Distinct targets among them that have no row of their own. */
  unlisted: number;
}

interface CallUses {
  componentId: string;
  callId: string | null;
  itemised: Set<string>;
  unlisted: Set<string>;
  groups: Map<string, UseSummary>;
}

/**
 * Keeps a guest from flooding the hash-chained audit log: every allowed or refused file access used
 * to become its own row, so a guest opening one file a million times wrote a million rows. Per call,
 * each distinct access (target, access, decision) is itemised once, up to ITEMISED_PER_CALL of them;
 * repeats and anything beyond are counted and written as one summary row per kind of use when the
 * call ends. Targets are also bounded (a guest sent a 5 MB path).
 */
export class UseLedger {
  readonly #calls = new Map<string, CallUses>();

  constructor(private readonly flush: (s: UseSummary) => void) {}

  /** Whether this use gets its own audit row; if not, it is counted for the call's summary. */
  admit(componentId: string, callId: string | null, use: CapabilityUse): boolean {
    const key = callId ?? `start:${componentId}`;
    let c = this.#calls.get(key);
    if (!c) {
      if (this.#calls.size >= MAX_CALLS) this.finish(this.#calls.keys().next().value as string);
      c = { componentId, callId, itemised: new Set(), unlisted: new Set(), groups: new Map() };
      this.#calls.set(key, c);
    }
    const id = `${use.kind}\0${use.access}\0${use.decision}\0${use.target}`;
    if (c.itemised.has(id)) {
      this.#count(c, use, null);
      return false;
    }
    if (c.itemised.size < ITEMISED_PER_CALL) {
      c.itemised.add(id);
      return true;
    }
    this.#count(c, use, id);
    return false;
  }

  #count(c: CallUses, use: CapabilityUse, unlisted: string | null): void {
    const g = `${use.kind}\0${use.access}\0${use.decision}`;
    let s = c.groups.get(g);
    if (!s) {
      s = {
        callId: c.callId,
        componentId: c.componentId,
        kind: use.kind,
        access: use.access,
        decision: use.decision,
        count: 0,
        unlisted: 0,
      };
      c.groups.set(g, s);
    }
    s.count += 1;
    // Counting distinct unlisted targets exactly would let the set grow with the flood: past a bound, count uses.
    if (unlisted !== null && c.unlisted.size < 10_000 && !c.unlisted.has(unlisted)) {
      c.unlisted.add(unlisted);
      s.unlisted += 1;
    }
  }

  /** The call ended (or is evicted): writes its summaries and forgets it. */
  finish(key: string): void {
    const c = this.#calls.get(key);
    if (!c) return;
    this.#calls.delete(key);
    for (const s of c.groups.values()) this.flush(s);
  }
}

/** A target as it may be stored or shown: a guest cannot make Weld keep megabytes of its choosing. */
export function boundTarget(target: string, max = MAX_TARGET_CHARS): string {
  if (typeof target !== 'string') return String(target).slice(0, max);
  return target.length <= max ? target : `${target.slice(0, max)}… (${target.length - max} more characters)`;
}

/** The target column of a summary row, readable in the audit page and `weld audit`. */
export function summaryTarget(s: UseSummary): string {
  const other = s.unlisted > 0 ? ` on ${s.unlisted}${s.unlisted >= 10_000 ? '+' : ''} paths not listed` : '';
  const what = s.access ? `${s.kind} ${s.access}` : s.kind;
  return `${s.count} more ${what} uses in this call${other} (repeats and accesses past ${ITEMISED_PER_CALL} are counted, not listed)`;
}
