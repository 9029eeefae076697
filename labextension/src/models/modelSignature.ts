/**
 * Logged models' signatures (columns and types, and whether an input example was logged), fetched when
 * the user opens one and kept: a LoggedModel's signature never changes once it is logged.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import type { ModelSignatureResponse, SignatureColumn } from '../contract';
import { AsyncState } from './asyncState';
import type { Reporter } from './report';

/** `name: type` of one column; an unnamed tensor shows its type alone, an optional column a `?`. */
export function describeColumn(column: SignatureColumn): string {
  const type = column.required ? column.type : `${column.type}?`;
  return column.name === null ? type : `${column.name}: ${type}`;
}

/** One line for a signature: its inputs → its outputs, or why there is none. */
export function summarizeSignature(signature: ModelSignatureResponse): string {
  if (!signature.has_signature) {
    return 'Logged without a signature: its columns and types are unknown.';
  }
  const inputs = signature.inputs.map(describeColumn).join(', ');
  const outputs = signature.outputs.map(describeColumn).join(', ') || '–';
  return `(${inputs}) → ${outputs}`;
}

export class ModelSignatureModel implements IDisposable {
  constructor(
    private readonly _client: MlopsClient,
    private readonly _reporter: Reporter
  ) {}

  /** Emitted after every change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Whether the signature of `modelId` is shown. */
  isOpen(modelId: string): boolean {
    return this._open.has(modelId);
  }

  /** The signature of `modelId` as fetched (null value while loading or after a failure). */
  state(modelId: string): AsyncState<ModelSignatureResponse> | null {
    return this._states.get(modelId) ?? null;
  }

  /** Show or hide the signature of `modelId`; it is fetched on first show, and again only after a failure. */
  async toggle(modelId: string): Promise<void> {
    if (this._open.delete(modelId)) {
      this._emit();
      return;
    }
    this._open.add(modelId);
    if (!this._states.has(modelId)) {
      this._states.set(modelId, this._newState());
    }
    const state = this._states.get(modelId)!;
    this._emit();
    if (state.value === null && !state.isLoading) {
      await state.load(
        () => this._client.getModelSignature(modelId),
        this._reporter.quietFailure(`Cannot read the signature of ${modelId}`)
      );
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._states.forEach(state => state.dispose());
    Signal.clearData(this);
  }

  private _newState(): AsyncState<ModelSignatureResponse> {
    const state = new AsyncState<ModelSignatureResponse>();
    state.changed.connect(this._emit, this);
    return state;
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _open = new Set<string>();
  private _states = new Map<string, AsyncState<ModelSignatureResponse>>();
  private _isDisposed = false;
}
