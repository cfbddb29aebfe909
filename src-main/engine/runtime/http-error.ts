import type { ErrorCode } from '@bytecodealliance/preview2-shim/interfaces/wasi-http-types';

/**
 * wasi:http `error-code` values crossing the host bridge. The bridge carries an error as a message
 * string only, so the engine names the code in a fixed suffix of the message and the worker turns it
 * back into the variant the guest sees. Only the tag crosses: every payload of these codes is
 * optional in WIT, and a guest learns nothing from host-side details such as resolver messages.
 */

export type { ErrorCode };
export type ErrorTag = ErrorCode['tag'];

/** How each case's payload is represented when the host has no detail for it. */
const PAYLOAD: Record<ErrorTag, 'none' | 'record' | 'option'> = {
  'DNS-timeout': 'none',
  'DNS-error': 'record',
  'destination-not-found': 'none',
  'destination-unavailable': 'none',
  'destination-IP-prohibited': 'none',
  'destination-IP-unroutable': 'none',
  'connection-refused': 'none',
  'connection-terminated': 'none',
  'connection-timeout': 'none',
  'connection-read-timeout': 'none',
  'connection-write-timeout': 'none',
  'connection-limit-reached': 'none',
  'TLS-protocol-error': 'none',
  'TLS-certificate-error': 'none',
  'TLS-alert-received': 'record',
  'HTTP-request-denied': 'none',
  'HTTP-request-length-required': 'none',
  'HTTP-request-body-size': 'option',
  'HTTP-request-method-invalid': 'none',
  'HTTP-request-URI-invalid': 'none',
  'HTTP-request-URI-too-long': 'none',
  'HTTP-request-header-section-size': 'option',
  'HTTP-request-header-size': 'option',
  'HTTP-request-trailer-section-size': 'option',
  'HTTP-request-trailer-size': 'record',
  'HTTP-response-incomplete': 'none',
  'HTTP-response-header-section-size': 'option',
  'HTTP-response-header-size': 'record',
  'HTTP-response-body-size': 'option',
  'HTTP-response-trailer-section-size': 'option',
  'HTTP-response-trailer-size': 'record',
  'HTTP-response-transfer-coding': 'option',
  'HTTP-response-content-coding': 'option',
  'HTTP-response-timeout': 'none',
  'HTTP-upgrade-failed': 'none',
  'HTTP-protocol-error': 'none',
  'loop-detected': 'none',
  'configuration-error': 'none',
  'internal-error': 'option',
};

export const isErrorTag = (tag: string): tag is ErrorTag => Object.hasOwn(PAYLOAD, tag);

/** The variant value for `tag` with an empty payload, as the jco glue lowers it. */
export function errorCode(tag: ErrorTag): ErrorCode {
  const kind = PAYLOAD[tag];
  if (kind === 'record') return { tag, val: {} } as ErrorCode;
  if (kind === 'option') return { tag, val: undefined } as ErrorCode;
  return { tag } as ErrorCode;
}

/** Thrown by the engine's HTTP gateway: a readable reason for logs, plus the code for the guest. */
export class HttpFailure extends Error {
  constructor(
    readonly tag: ErrorTag,
    readonly detail: string,
  ) {
    super(`${detail} [wasi:http ${tag}]`);
    this.name = 'HttpFailure';
  }
}

const SUFFIX = /\[wasi:http ([A-Za-z-]+)\]$/;

/** The code named in a bridge error message; anything else is the host's fault, not the request's. */
export function errorCodeFromMessage(message: string): ErrorCode {
  const tag = SUFFIX.exec(message)?.[1];
  return tag && isErrorTag(tag) ? errorCode(tag) : errorCode('internal-error');
}
