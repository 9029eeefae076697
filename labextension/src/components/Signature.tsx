/**
 * A logged model's signature, opened in place: its input columns and types, its outputs, and whether an
 * input example was logged with it.
 */
import React from 'react';

import type { SignatureColumn } from '../contract';
import type { ModelSignatureModel } from '../models/modelSignature';
import { summarizeSignature } from '../models/modelSignature';

function Columns({
  title,
  columns
}: {
  title: string;
  columns: SignatureColumn[];
}): JSX.Element | null {
  if (columns.length === 0) {
    return null;
  }
  return (
    <table className="jp-mlops-kv" aria-label={title}>
      <caption>{title}</caption>
      <tbody>
        {columns.map((column, index) => (
          <tr key={`${column.name ?? ''}#${index}`}>
            <th scope="row">{column.name ?? `#${index}`}</th>
            <td>
              {column.type}
              {!column.required && (
                <span className="jp-mlops-hint"> (optional)</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The toggle button and, when open, the signature of `modelId`. */
export function SignatureToggle({
  signatures,
  modelId,
  label
}: {
  signatures: ModelSignatureModel;
  modelId: string;
  label: string;
}): JSX.Element {
  const open = signatures.isOpen(modelId);
  const state = signatures.state(modelId);
  const signature = state?.value ?? null;
  return (
    <span className="jp-mlops-signature">
      <button
        className="jp-mlops-link"
        aria-expanded={open}
        aria-label={`Signature of ${label}`}
        onClick={() => void signatures.toggle(modelId)}
      >
        {open ? '▾' : '▸'} signature
      </button>
      {open && (
        <div className="jp-mlops-signature-body">
          {state?.error && (
            <p className="jp-mlops-error" role="alert">
              {state.error}
            </p>
          )}
          {!signature && !state?.error && (
            <span className="jp-mlops-hint">loading…</span>
          )}
          {signature && (
            <>
              <p
                className="jp-mlops-hint"
                title={summarizeSignature(signature)}
              >
                {signature.has_signature
                  ? signature.has_input_example
                    ? 'With an input example.'
                    : 'No input example.'
                  : summarizeSignature(signature)}
              </p>
              <Columns title="Inputs" columns={signature.inputs} />
              <Columns title="Outputs" columns={signature.outputs} />
              <Columns title="Parameters" columns={signature.params} />
            </>
          )}
        </div>
      )}
    </span>
  );
}
