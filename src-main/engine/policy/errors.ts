/** A policy document that cannot be used, with where and why, so its author can fix it. */
export class PolicyError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number | null = null,
    readonly col: number | null = null,
  ) {
    super(line === null ? reason : `line ${line}:${col}: ${reason}`);
    this.name = 'PolicyError';
  }
}

/**
 * A grant, revoke or request that Weld refused (unknown component, malformed target, unknown request).
 * The message is meant for a person and says what to do instead.
 */
export class GrantError extends Error {
  constructor(
    message: string,
    readonly code: 'not-installed' | 'bad-target' | 'not-found' | 'already-decided' | 'bad-input',
  ) {
    super(message);
    this.name = 'GrantError';
  }
}
