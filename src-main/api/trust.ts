import { keyFingerprint, parsePublicKey } from '../engine/registry/keys.js';
import { type AuditSink, trustIdentity, trustKey, untrust } from '../engine/registry/trust-changes.js';
import { loadTrustPolicy } from '../engine/registry/trust-policy.js';
import type { ApiContext, Handlers } from './context.js';
import { engineCall } from './errors.js';

const sink =
  (ctx: ApiContext): AuditSink =>
  (entries) =>
    ctx.weld.store.audit.append(entries);

/** The Trust section of Settings and the install prompt's "trust this publisher". */
export const trustHandlers: Handlers<'trust.list' | 'trust.checkKey' | 'trust.addKey' | 'trust.addIdentity' | 'trust.remove'> = {
  'trust.list': (_input, ctx) =>
    engineCall(() => {
      const p = loadTrustPolicy(ctx.weld.paths.home);
      return {
        keys: p.keys.map((k) => ({ name: k.name, fingerprint: k.fingerprint })),
        identities: p.identities.map((i) => ({ name: i.name, issuer: i.issuer, subject: i.subject })),
        hasTrustedRoot: Boolean(p.trustedRoot),
      };
    }),
  'trust.checkKey': ({ publicKeyPem }) =>
    engineCall(() => ({ fingerprint: keyFingerprint(parsePublicKey(publicKeyPem, 'This file')) })),
  'trust.addKey': ({ name, publicKeyPem }, ctx) =>
    engineCall(() => {
      const key = trustKey(ctx.weld.paths.home, sink(ctx), ctx.actor, name, publicKeyPem);
      return { name: key.name, fingerprint: key.fingerprint };
    }),
  'trust.addIdentity': (identity, ctx) =>
    engineCall(() => {
      trustIdentity(ctx.weld.paths.home, sink(ctx), ctx.actor, identity);
      return identity;
    }),
  'trust.remove': ({ name }, ctx) => engineCall(() => ({ name, kind: untrust(ctx.weld.paths.home, sink(ctx), ctx.actor, name) })),
};
