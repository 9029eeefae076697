/**
 * The compare view: the selected runs side by side and one metric's histories overlaid.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import type { CompareResponse, MetricHistory } from '../contract';
import { AsyncState } from './asyncState';
import { MetricChartModel } from './metricChart';
import type { Reporter } from './report';

/** Points fetched per run for an overlaid history (several lines share one chart). */
export const COMPARE_HISTORY_POINTS = 500;

export class CompareModel implements IDisposable {
  constructor(
    private readonly _client: MlopsClient,
    private readonly _reporter: Reporter
  ) {
    this.comparison = new AsyncState<CompareResponse>();
    this.chart = new MetricChartModel<MetricHistory[]>(_reporter);
    this.comparison.changed.connect(this._emit, this);
    this.chart.changed.connect(this._emit, this);
  }

  /** The compared runs with the keys that differ between them. */
  readonly comparison: AsyncState<CompareResponse>;
  /** One metric's history per compared run that logged it. */
  readonly chart: MetricChartModel<MetricHistory[]>;

  /** Emitted after every change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Compare `runIds`, then overlay the first differing metric (else the first metric). */
  async open(runIds: string[]): Promise<void> {
    this.reset();
    const outcome = await this.comparison.load(
      () => this._client.compareRuns(runIds),
      this._reporter.failure(this._reporter.trans.__('Cannot compare the runs'))
    );
    if (outcome.kind !== 'ready') {
      return;
    }
    const preferred =
      outcome.value.differing_metrics[0] ?? outcome.value.metric_keys[0];
    if (preferred !== undefined) {
      await this.selectMetric(preferred);
    }
  }

  /** Nothing compared (another notebook). */
  reset(): void {
    this.chart.reset();
    this.comparison.reset();
  }

  /** Overlay another metric of the compared runs. */
  async selectMetric(key: string): Promise<void> {
    const comparison = this.comparison.value;
    if (!comparison) {
      return;
    }
    const runs = comparison.runs.filter(run => key in run.metrics);
    await this.chart.select(key, () =>
      Promise.all(
        runs.map(run =>
          this._client.getMetricHistory(run.run_id, key, COMPARE_HISTORY_POINTS)
        )
      )
    );
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.comparison.dispose();
    this.chart.dispose();
    Signal.clearData(this);
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _isDisposed = false;
}
