/**
 * A labelled text field as the panel's dialogs draw it (`jp-mlops-field`), with optional suggestions.
 */
import React from 'react';

export interface ITextFieldProps {
  /** The visible label. */
  label: string;
  /** The accessible name (default: the label). */
  ariaLabel?: string;
  value: string;
  onChange: (value: string) => void;
  /** Values offered as you type (an HTML datalist with this id). */
  suggestions?: { id: string; values: string[] };
  placeholder?: string;
  inputMode?: React.HTMLAttributes<HTMLInputElement>['inputMode'];
  autoFocus?: boolean;
}

export function TextField({
  label,
  ariaLabel,
  value,
  onChange,
  suggestions,
  placeholder,
  inputMode,
  autoFocus
}: ITextFieldProps): JSX.Element {
  return (
    <label className="jp-mlops-field">
      {label}
      <input
        className="jp-mod-styled"
        aria-label={ariaLabel ?? label}
        list={suggestions?.id}
        placeholder={placeholder}
        inputMode={inputMode}
        autoFocus={autoFocus}
        value={value}
        onChange={event => onChange(event.target.value)}
      />
      {suggestions && (
        <datalist id={suggestions.id}>
          {suggestions.values.map(item => (
            <option key={item} value={item} />
          ))}
        </datalist>
      )}
    </label>
  );
}
