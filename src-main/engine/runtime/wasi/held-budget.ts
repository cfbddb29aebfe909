/**
 * What a guest can make the host hold for it, per instance. Header sets and request bodies live in
 * the worker's JavaScript heap, not in the guest's linear memory, so the memory limit never sees
 * them: without a budget a guest creating header sets or opening request bodies in a loop grows the
 * host until the process dies. Everything the guest keeps alive is charged here and released when
 * the guest drops it (or the request is sent); past the budget the guest's call fails.
 */
export class HeldBudget {
  #held = 0;

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new TypeError('a held-data budget must be a positive integer');
  }

  get held(): number {
    return this.#held;
  }

  /** Charges `bytes`, or throws (a trap for the guest) when the instance would hold more than its budget. */
  take(bytes: number, what: string): void {
    if (this.#held + bytes > this.limit)
      throw new HeldBudgetError(
        `the component made Weld hold more than ${Math.round(this.limit / 2 ** 20)} MiB of ${what} for it (header sets and request bodies it kept open)`,
      );
    this.#held += bytes;
  }

  /** Whether `bytes` more would fit, without charging them. */
  fits(bytes: number): boolean {
    return this.#held + bytes <= this.limit;
  }

  give(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }
}

export class HeldBudgetError extends Error {}
