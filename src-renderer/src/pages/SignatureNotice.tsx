import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import type { z } from 'zod';
import type { OciInspection, Signer, TrustOnce } from '../../../src-preload/api.js';
import { formatBytes, formatFingerprint } from '../format.js';
import { ErrorNote } from '../ui/EmptyState.js';
import { PublicKeyField } from '../ui/PublicKeyField.js';
import { useApi, useWeld } from '../weld-context.js';
import { useDebounced } from './LiveLog.js';

type Inspection = z.infer<typeof OciInspection>;
type SignerInfo = z.infer<typeof Signer>;
type Once = z.input<typeof TrustOnce>;

/**
 * Shown when an `oci://` component has no signature Weld trusts. For a signed one it says who signed
 * (key fingerprint, or keyless identity and issuer) and lets the person trust that publisher for this
 * install or always; an unsigned one can only be taken as is, by an explicit choice.
 */
export function SignatureNotice(props: {
  inspection: Inspection;
  busy: boolean;
  /** Check again: with a signer trusted for this install, or (null) after it was trusted always. */
  onTrusted: (once: Once | null) => void;
  onContinueUnsigned: () => void;
  onBack: () => void;
}) {
  const { inspection } = props;
  const signer = inspection.signature.signer;
  return (
    <section className={`panel ${signer ? 'caution' : 'refusal'}`} aria-labelledby="signature-title">
      <h2 id="signature-title" className="card-title">
        {signer ? 'Signed by a publisher you do not trust yet' : 'Not signed'}
      </h2>
      <p>
        {signer
          ? `${inspection.reference} is signed, but not by a publisher you trust, so Weld cannot tell whether it comes from who you think. Check who signed it below.`
          : `${inspection.reference} carries no signature: nothing shows who made it or that it was not changed. Install it only if you trust where it comes from.`}
      </p>
      <dl className="facts">
        {signer?.kind === 'key' && (
          <>
            <dt>Signed with key</dt>
            <dd className="mono" data-testid="signer">
              SHA256 {formatFingerprint(signer.fingerprint)}
            </dd>
          </>
        )}
        {signer?.kind === 'identity' && (
          <>
            <dt>Signed by</dt>
            <dd className="mono" data-testid="signer">
              {signer.subject}
            </dd>
            <dt>Identity issuer</dt>
            <dd className="mono">{signer.issuer}</dd>
          </>
        )}
        <dt>Digest</dt>
        <dd className="mono">{inspection.digest}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(inspection.size)}</dd>
      </dl>
      {signer?.kind === 'key' && <KeyTrust signer={signer} reference={inspection.reference} {...props} />}
      {signer?.kind === 'identity' && <IdentityTrust signer={signer} reference={inspection.reference} {...props} />}
      {signer ? (
        <details className="unsigned-anyway">
          <summary>Install it without a trusted signature</summary>
          <ContinueUnsigned {...props} />
        </details>
      ) : (
        <ContinueUnsigned {...props} />
      )}
    </section>
  );
}

function ContinueUnsigned(props: { busy: boolean; onContinueUnsigned: () => void; onBack: () => void }) {
  const [sure, setSure] = useState(false);
  const id = useId();
  return (
    <>
      <div className="check-row">
        <input id={id} type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} />
        <label htmlFor={id}>I trust where it comes from: continue without a verified signature</label>
      </div>
      <div className="row-actions">
        <button type="button" className="button" disabled={!sure || props.busy} onClick={props.onContinueUnsigned}>
          Continue without a signature
        </button>
        <button type="button" className="button subtle" onClick={props.onBack}>
          Cancel
        </button>
      </div>
    </>
  );
}

function KeyTrust(props: {
  signer: Extract<SignerInfo, { kind: 'key' }>;
  reference: string;
  busy: boolean;
  onTrusted: (once: Once | null) => void;
}) {
  const client = useWeld();
  const [pem, setPem] = useState('');
  const typed = useDebounced(pem.trim(), 200);
  const [check, setCheck] = useState<{ pem: string; fingerprint: string } | { pem: string; error: string } | null>(null);
  useEffect(() => {
    if (!typed) return;
    let current = true;
    client.invoke('trust.checkKey', { publicKeyPem: typed }).then(
      (r) => current && setCheck({ pem: typed, fingerprint: r.fingerprint }),
      (err: Error) => current && setCheck({ pem: typed, error: err.message }),
    );
    return () => {
      current = false;
    };
  }, [client, typed]);
  const checked = check && check.pem === pem.trim() ? check : null;
  const matches = checked && 'fingerprint' in checked && checked.fingerprint === props.signer.fingerprint;
  return (
    <div className="trust-step">
      <p>
        To trust this publisher, add their public key: the <code>.pub</code> file they publish beside their components. Weld
        checks that it is the key that made this signature.
      </p>
      <PublicKeyField label="Publisher's public key" value={pem} onChange={setPem} />
      {checked && 'error' in checked && (
        <p className="field-error" role="alert">
          {checked.error}
        </p>
      )}
      {checked && 'fingerprint' in checked && !matches && (
        <p className="field-error" role="alert">
          This is not the key that signed {props.reference}: its fingerprint is SHA256 {formatFingerprint(checked.fingerprint)}.
        </p>
      )}
      {matches && (
        <>
          <p className="ok-note" role="status">
            This is the key that signed {props.reference}.
          </p>
          <TrustChoice
            what="key"
            suggestedName={nameFrom(props.reference)}
            busy={props.busy}
            once={{ kind: 'key', publicKeyPem: pem.trim() }}
            saveAlways={(name) => client.invoke('trust.addKey', { name, publicKeyPem: pem.trim() })}
            onTrusted={props.onTrusted}
          />
        </>
      )}
    </div>
  );
}

function IdentityTrust(props: {
  signer: Extract<SignerInfo, { kind: 'identity' }>;
  reference: string;
  busy: boolean;
  onTrusted: (once: Once | null) => void;
}) {
  const client = useWeld();
  const trust = useApi('trust.list', {});
  const { issuer, subject } = props.signer;
  if (!trust.data) return <ErrorNote error={trust.error} />;
  if (!trust.data.hasTrustedRoot) {
    return (
      <p className="muted">
        Weld checks keyless signatures against a Sigstore trusted root, and none is set, so this identity cannot be checked yet.
        Set one with <code>weld trust set-root</code>, then check the component again.
      </p>
    );
  }
  return (
    <TrustChoice
      what="identity"
      suggestedName={nameFrom(subject)}
      busy={props.busy}
      once={{ kind: 'identity', issuer, subject }}
      saveAlways={(name) => client.invoke('trust.addIdentity', { name, issuer, subject })}
      onTrusted={props.onTrusted}
    />
  );
}

/** "For this install" or "always", with what each one means, then one button. */
function TrustChoice(props: {
  what: 'key' | 'identity';
  suggestedName: string;
  busy: boolean;
  once: Once;
  saveAlways: (name: string) => Promise<unknown>;
  onTrusted: (once: Once | null) => void;
}) {
  const queryClient = useQueryClient();
  const id = useId();
  const [scope, setScope] = useState<'once' | 'always'>('once');
  const [name, setName] = useState(props.suggestedName);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const signedBy = props.what === 'key' ? 'signed with this key' : 'signed by this identity';
  async function go(): Promise<void> {
    if (scope === 'once') return props.onTrusted(props.once);
    setSaving(true);
    setError(null);
    try {
      await props.saveAlways(name.trim());
      for (const key of ['trust.list', 'audit.list', 'audit.verify']) queryClient.invalidateQueries({ queryKey: [key] });
      props.onTrusted(null);
    } catch (err) {
      setError(err as Error);
    } finally {
      setSaving(false);
    }
  }
  return (
    <fieldset className="trust-choice">
      <legend>Trust this publisher</legend>
      <div className="check-row">
        <input id={`${id}-once`} type="radio" name={`${id}-scope`} checked={scope === 'once'} onChange={() => setScope('once')} />
        <label htmlFor={`${id}-once`}>
          <strong>For this install only.</strong> Weld installs this component; its next version, or anything else {signedBy},
          asks you again. Nothing is added to your trusted publishers.
        </label>
      </div>
      <div className="check-row">
        <input
          id={`${id}-always`}
          type="radio"
          name={`${id}-scope`}
          checked={scope === 'always'}
          onChange={() => setScope('always')}
        />
        <label htmlFor={`${id}-always`}>
          <strong>Always.</strong> Weld installs and updates anything {signedBy} without asking about the signature (you still
          choose what each component may do). You can remove it under Settings, Trusted publishers.
        </label>
      </div>
      {scope === 'always' && (
        <div className="field-row">
          <label htmlFor={`${id}-name`}>Name for this publisher</label>
          <input
            id={`${id}-name`}
            type="text"
            className="text-input"
            value={name}
            spellCheck={false}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
      )}
      <ErrorNote error={error} />
      <div className="row-actions">
        <button
          type="button"
          className="button primary"
          disabled={props.busy || saving || (scope === 'always' && !name.trim())}
          onClick={() => void go()}
        >
          {scope === 'once' ? 'Trust for this install and continue' : 'Trust always and continue'}
        </button>
      </div>
    </fieldset>
  );
}

/** A starting name: the registry namespace or the e-mail's local part, in the characters a name allows. */
function nameFrom(text: string): string {
  const owner = /^oci:\/\/[^/]+\/([^/:@]+)\//.exec(text)?.[1] ?? text.split('@')[0].replace(/^.*[/:]/, '');
  return (
    owner
      .replace(/[^A-Za-z0-9._@-]+/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 64) || 'publisher'
  );
}
