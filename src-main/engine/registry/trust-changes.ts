import type { AuditEntry } from '../store/audit.js';
import { addTrustedIdentity, addTrustedKey, removeTrusted, type TrustedKey } from './trust-policy.js';

/** Where a trust change is recorded: the audit log's append, synchronous (trust is as weighty as a grant). */
export type AuditSink = (entries: readonly AuditEntry[]) => void;

/**
 * Changes to who may sign components, each recorded in the audit log with who made it. The CLI and the
 * UI both come through here, so the history shows every trust decision whatever the person used.
 */
export function trustKey(home: string, audit: AuditSink, actor: string, name: string, publicKeyPem: string): TrustedKey {
  const key = addTrustedKey(home, name, publicKeyPem);
  audit([{ at: Date.now(), actor, action: 'trust.key.added', subject: name, detail: { fingerprint: key.fingerprint } }]);
  return key;
}

export function trustIdentity(
  home: string,
  audit: AuditSink,
  actor: string,
  identity: { name: string; issuer: string; subject: string },
): void {
  addTrustedIdentity(home, identity);
  audit([
    {
      at: Date.now(),
      actor,
      action: 'trust.identity.added',
      subject: identity.name,
      detail: { issuer: identity.issuer, subject: identity.subject },
    },
  ]);
}

export function untrust(home: string, audit: AuditSink, actor: string, name: string): 'key' | 'identity' {
  const kind = removeTrusted(home, name);
  audit([{ at: Date.now(), actor, action: 'trust.removed', subject: name, detail: { kind } }]);
  return kind;
}
