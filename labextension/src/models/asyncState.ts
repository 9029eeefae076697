/**
 * One piece of remote state — idle, loading, ready or failed — shared by every view model of the panel.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

export type AsyncStatus = 'idle' | 'loading' | 'ready' | 'error';

/** How a `load()` ended: with a value, with a failure, or overtaken by a later load or a reset. */
export type LoadOutcome<T> =
  | { kind: 'ready'; value: T }
  | { kind: 'error'; message: string }
  | { kind: 'superseded' };

/**
 * A value fetched from the server and its status.
 *
 * While a load runs, the last value and the last error stay readable (a reload does not blank the
 * view); `reset()` forgets both. Only the latest load settles the state: an answer that arrives after
 * a newer `load()` or a `reset()` is dropped, so a slow answer for another notebook or run never shows.
 */
export class AsyncState<T> implements IDisposable {
  /** Emitted whenever status, value or error change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get status(): AsyncStatus {
    return this._status;
  }

  /** The last value loaded (kept while reloading and after a failed reload). */
  get value(): T | null {
    return this._value;
  }

  /** The last failure as a sentence for the user; cleared by the next success or a reset. */
  get error(): string | null {
    return this._error;
  }

  get isLoading(): boolean {
    return this._status === 'loading';
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Back to idle without value or error; a load still running will not settle. */
  reset(): void {
    this._generation += 1;
    this._status = 'idle';
    this._value = null;
    this._error = null;
    this._changed.emit();
  }

  /** Set the value directly (a change made here, not fetched); a load still running will not settle. */
  set(value: T): void {
    this._generation += 1;
    this._status = 'ready';
    this._value = value;
    this._error = null;
    this._changed.emit();
  }

  /**
   * Run `fetch` and keep its answer. A failure becomes the sentence `describe` returns (which may
   * also notify the user); nothing is thrown.
   */
  async load(
    fetch: () => Promise<T>,
    describe: (error: unknown) => string
  ): Promise<LoadOutcome<T>> {
    const generation = ++this._generation;
    this._status = 'loading';
    this._changed.emit();
    let value: T;
    try {
      value = await fetch();
    } catch (error) {
      if (generation !== this._generation || this._isDisposed) {
        return { kind: 'superseded' };
      }
      const message = describe(error);
      this._status = 'error';
      this._error = message;
      this._changed.emit();
      return { kind: 'error', message };
    }
    if (generation !== this._generation || this._isDisposed) {
      return { kind: 'superseded' };
    }
    this._status = 'ready';
    this._value = value;
    this._error = null;
    this._changed.emit();
    return { kind: 'ready', value };
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _status: AsyncStatus = 'idle';
  private _value: T | null = null;
  private _error: string | null = null;
  private _generation = 0;
  private _isDisposed = false;
}
