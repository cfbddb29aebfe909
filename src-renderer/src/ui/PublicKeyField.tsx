import { useId } from 'react';

/** A publisher's public key: chosen as their .pub file or pasted as PEM text. */
export function PublicKeyField({ value, onChange, label }: { value: string; onChange: (pem: string) => void; label: string }) {
  const id = useId();
  return (
    <div className="key-field">
      <label htmlFor={`${id}-file`}>{label}</label>
      <input
        id={`${id}-file`}
        type="file"
        accept=".pub,.pem,text/plain"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void file.text().then(onChange);
        }}
      />
      <label htmlFor={`${id}-text`} className="muted small">
        or paste it here
      </label>
      <textarea
        id={`${id}-text`}
        className="text-input mono"
        rows={4}
        spellCheck={false}
        placeholder="-----BEGIN PUBLIC KEY-----"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}
