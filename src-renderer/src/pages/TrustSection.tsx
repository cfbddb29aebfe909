import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { formatFingerprint } from '../format.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { ErrorNote } from '../ui/EmptyState.js';
import { PublicKeyField } from '../ui/PublicKeyField.js';
import { useApi, useWeld } from '../weld-context.js';

/** A change to the trusted publishers: afterwards the list and the audit log are read again. */
function useTrustChange<T>(change: () => Promise<T>, onSuccess?: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSuccess,
    onSettled: () => {
      for (const key of ['trust.list', 'audit.list', 'audit.verify']) queryClient.invalidateQueries({ queryKey: [key] });
    },
  });
}

/** Settings, Trusted publishers: who may sign the components installed here; every change is audited. */
export function TrustSection() {
  const trust = useApi('trust.list', {});
  const client = useWeld();
  const [removing, setRemoving] = useState<string | null>(null);
  const remove = useTrustChange(
    () => client.invoke('trust.remove', { name: removing ?? '' }),
    () => setRemoving(null),
  );
  const t = trust.data;
  return (
    <section className="panel" aria-labelledby="trust-title">
      <h2 id="trust-title" className="section-title">
        Trusted publishers
      </h2>
      <p className="muted">
        Components from a registry install only when they are signed by someone listed here, or when you decide otherwise for one
        install.
      </p>
      <ErrorNote error={trust.error ?? remove.error} />
      {t && t.keys.length === 0 && t.identities.length === 0 && (
        <p>Nobody yet: a signed component asks you whether to trust its publisher.</p>
      )}
      {t && (t.keys.length > 0 || t.identities.length > 0) && (
        <ul className="trust-list">
          {t.keys.map((k) => (
            <li key={`key:${k.name}`}>
              <div>
                <strong>{k.name}</strong> <span className="muted">key</span>
                <div className="mono small">SHA256 {formatFingerprint(k.fingerprint)}</div>
              </div>
              <button type="button" className="button subtle" onClick={() => setRemoving(k.name)}>
                Remove<span className="sr-only"> {k.name}</span>
              </button>
            </li>
          ))}
          {t.identities.map((i) => (
            <li key={`id:${i.name}`}>
              <div>
                <strong>{i.name}</strong> <span className="muted">keyless identity</span>
                <div className="mono small">
                  {i.subject} (issuer {i.issuer})
                </div>
              </div>
              <button type="button" className="button subtle" onClick={() => setRemoving(i.name)}>
                Remove<span className="sr-only"> {i.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(open) => !open && setRemoving(null)}
        title={`Stop trusting ${removing ?? ''}?`}
        confirmLabel="Stop trusting"
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
      >
        <p>
          Installed components stay installed. New components and updates signed by {removing} will ask you again before they
          install.
        </p>
      </ConfirmDialog>
      <details className="trust-add">
        <summary>Add a publisher's key</summary>
        <AddKey />
      </details>
      <details className="trust-add">
        <summary>Add a keyless identity</summary>
        <AddIdentity hasRoot={t?.hasTrustedRoot ?? false} />
      </details>
    </section>
  );
}

function AddKey() {
  const client = useWeld();
  const id = useId();
  const [name, setName] = useState('');
  const [pem, setPem] = useState('');
  const add = useTrustChange(
    () => client.invoke('trust.addKey', { name: name.trim(), publicKeyPem: pem.trim() }),
    () => {
      setName('');
      setPem('');
    },
  );
  return (
    <form
      className="trust-form"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        add.mutate();
      }}
    >
      <label htmlFor={`${id}-name`}>Name</label>
      <input
        id={`${id}-name`}
        type="text"
        className="text-input"
        value={name}
        spellCheck={false}
        onChange={(e) => setName(e.target.value)}
      />
      <PublicKeyField label="Public key (.pub)" value={pem} onChange={setPem} />
      <ErrorNote error={add.error} />
      {add.data && (
        <p className="ok-note" role="status">
          Trusting {add.data.name} (SHA256 {formatFingerprint(add.data.fingerprint)}).
        </p>
      )}
      <div>
        <button type="submit" className="button" disabled={add.isPending || !name.trim() || !pem.trim()}>
          Trust this key
        </button>
      </div>
    </form>
  );
}

function AddIdentity({ hasRoot }: { hasRoot: boolean }) {
  const client = useWeld();
  const id = useId();
  const [form, setForm] = useState({ name: '', issuer: '', subject: '' });
  const add = useTrustChange(
    () =>
      client.invoke('trust.addIdentity', { name: form.name.trim(), issuer: form.issuer.trim(), subject: form.subject.trim() }),
    () => setForm({ name: '', issuer: '', subject: '' }),
  );
  const field = (key: keyof typeof form, label: string, placeholder: string) => (
    <>
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        type="text"
        className="text-input"
        placeholder={placeholder}
        value={form[key]}
        spellCheck={false}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
      />
    </>
  );
  return (
    <form
      className="trust-form"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        add.mutate();
      }}
    >
      {!hasRoot && (
        <p className="muted">
          Keyless signatures are checked against a Sigstore trusted root; set one with <code>weld trust set-root</code> for these
          identities to take effect.
        </p>
      )}
      {field('name', 'Name', 'alice')}
      {field('subject', 'Identity (e-mail or workflow URL)', 'alice@example.com')}
      {field('issuer', 'Issuer', 'https://accounts.google.com')}
      <ErrorNote error={add.error} />
      {add.data && (
        <p className="ok-note" role="status">
          Trusting {add.data.subject} (issuer {add.data.issuer}).
        </p>
      )}
      <div>
        <button
          type="submit"
          className="button"
          disabled={add.isPending || !form.name.trim() || !form.issuer.trim() || !form.subject.trim()}
        >
          Trust this identity
        </button>
      </div>
    </form>
  );
}
