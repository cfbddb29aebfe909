/** Why a pull, push or verification was refused; the message is meant for a person. */
export type RegistryErrorCode =
  | 'bad-reference'
  | 'unreachable'
  | 'auth'
  | 'not-found'
  | 'protocol'
  | 'content-type'
  | 'too-large'
  | 'digest-mismatch'
  | 'bad-artifact'
  | 'unsigned'
  | 'untrusted'
  | 'bad-input';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
