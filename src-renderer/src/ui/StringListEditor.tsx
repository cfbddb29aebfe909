import { useId, useState } from 'react';
import { ErrorNote } from './EmptyState.js';

/** A setting that is a list a person adds to and removes from, one value at a time. */
export function StringListEditor(props: {
  items: string[];
  empty: string;
  removeLabel: (item: string) => string;
  inputLabel: string;
  addLabel: string;
  maxLength: number;
  /** Values offered while typing (e.g. names already seen). */
  suggestions?: string[];
  placeholder?: string;
  pending: boolean;
  error: Error | null;
  /** Resolves when the change is saved; the field empties then. */
  change: (value: string, present: boolean) => Promise<unknown>;
}) {
  const id = useId();
  const [value, setValue] = useState('');
  return (
    <>
      {props.items.length === 0 ? (
        <p>{props.empty}</p>
      ) : (
        <ul className="cap-list">
          {props.items.map((item) => (
            <li key={item}>
              <code>{item}</code>
              <button
                type="button"
                className="button small"
                disabled={props.pending}
                onClick={() => props.change(item, false).catch(() => {})}
              >
                {props.removeLabel(item)}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          props.change(value, true).then(
            () => setValue(''),
            () => {},
          );
        }}
      >
        <label htmlFor={id}>{props.inputLabel}</label>
        <input
          id={id}
          className="text-input"
          list={props.suggestions ? `${id}-seen` : undefined}
          value={value}
          maxLength={props.maxLength}
          placeholder={props.placeholder}
          onChange={(e) => setValue(e.target.value)}
        />
        {props.suggestions && (
          <datalist id={`${id}-seen`}>
            {props.suggestions.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        )}
        <button type="submit" className="button" disabled={props.pending || value.trim() === ''}>
          {props.addLabel}
        </button>
      </form>
      <ErrorNote error={props.error} />
    </>
  );
}
