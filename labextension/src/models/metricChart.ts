/**
 * The metric a chart shows and its history, for the run detail (one history) and compare (several).
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { AsyncState } from './asyncState';
import type { Reporter } from './report';

export class MetricChartModel<T> implements IDisposable {
  constructor(private readonly _reporter: Reporter) {
    this.history.changed.connect(this._emit, this);
  }

  /** The history of the chosen metric (the previous one stays until the new one arrives). */
  readonly history = new AsyncState<T>();

  /** Emitted when the key or the history changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The metric chosen for the chart. */
  get key(): string | null {
    return this._key;
  }

  get isDisposed(): boolean {
    return this.history.isDisposed;
  }

  /** Chart metric `key`: fetch its history; an answer for a metric chosen before is dropped. */
  async select(key: string, fetch: () => Promise<T>): Promise<void> {
    this._key = key;
    await this.history.load(
      fetch,
      this._reporter.failure(
        this._reporter.trans.__('Cannot load the history of metric %1', key)
      )
    );
  }

  /** No metric chosen (another run or comparison opens). */
  reset(): void {
    this._key = null;
    this.history.reset();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.history.dispose();
    Signal.clearData(this);
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _key: string | null = null;
}
