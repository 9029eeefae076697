/**
 * The run detail view: one run's data, a metric chart, its artifact folders, and Register model.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import type {
  ArtifactEntry,
  DriftReport,
  MetricHistory,
  RegisterResponse,
  RunDetail
} from '../contract';
import { AsyncState } from './asyncState';
import { MetricChartModel } from './metricChart';
import type { Reporter } from './report';

export class RunDetailModel implements IDisposable {
  constructor(
    private readonly _client: MlopsClient,
    private readonly _reporter: Reporter
  ) {
    this.run = new AsyncState<RunDetail>();
    this.chart = new MetricChartModel<MetricHistory>(_reporter);
    this.driftReport = new AsyncState<DriftReport>();
    this.driftReport.changed.connect(this._emit, this);
    this.run.changed.connect(this._emit, this);
    this.chart.changed.connect(this._emit, this);
  }

  /** The open run: params, metrics, tags, artifacts, logged models. */
  readonly run: AsyncState<RunDetail>;
  /** The charted metric of the open run. */
  readonly chart: MetricChartModel<MetricHistory>;
  /** The open run's drift report, once asked for (shown in a sandboxed frame). */
  readonly driftReport: AsyncState<DriftReport>;

  /** Emitted after every change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Entries of the artifact folders opened, by folder path (null: still loading). */
  get openArtifactDirs(): ReadonlyMap<string, ArtifactEntry[] | null> {
    return this._openArtifactDirs;
  }

  /** The registration made from this view, for the inline confirmation. */
  get lastRegistration(): RegisterResponse | null {
    return this._lastRegistration;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Open run `runId` and chart its first metric (by name). */
  async open(runId: string): Promise<void> {
    this.reset();
    const outcome = await this.run.load(
      () => this._client.getRun(runId),
      this._reporter.failure(this._reporter.trans.__('Cannot open the run'))
    );
    if (outcome.kind !== 'ready') {
      return;
    }
    const firstKey = Object.keys(outcome.value.run.metrics).sort()[0];
    if (firstKey !== undefined) {
      await this.selectMetric(firstKey);
    }
  }

  /** Nothing open (another notebook). */
  reset(): void {
    this.chart.reset();
    this.driftReport.reset();
    this._openArtifactDirs = new Map();
    this._lastRegistration = null;
    this.run.reset();
  }

  /** Chart another metric of the open run. */
  async selectMetric(key: string): Promise<void> {
    const detail = this.run.value;
    if (!detail) {
      return;
    }
    await this.chart.select(key, () =>
      this._client.getMetricHistory(detail.run.run_id, key)
    );
  }

  /** Open or close an artifact folder of the open run (its entries are fetched on first open). */
  async toggleArtifactDir(path: string): Promise<void> {
    const detail = this.run.value;
    if (!detail) {
      return;
    }
    if (this._openArtifactDirs.has(path)) {
      this._setArtifactDir(path, undefined);
      return;
    }
    this._setArtifactDir(path, null);
    const dirs = this._openArtifactDirs;
    try {
      const listing = await this._client.listArtifacts(detail.run.run_id, path);
      if (this._openArtifactDirs === dirs && dirs.has(path)) {
        this._setArtifactDir(path, listing.files);
      }
    } catch (error) {
      if (this._openArtifactDirs === dirs) {
        this._setArtifactDir(path, undefined);
      }
      this._reporter.failure(
        this._reporter.trans.__('Cannot list the artifacts in %1', path)
      )(error);
    }
  }

  /** Show the open run's drift report, or hide it when shown. */
  async toggleDriftReport(): Promise<void> {
    const detail = this.run.value;
    if (!detail) {
      return;
    }
    if (this.driftReport.value || this.driftReport.isLoading) {
      this.driftReport.reset();
      return;
    }
    await this.driftReport.load(
      () => this._client.getDriftReport(detail.run.run_id),
      this._reporter.failure('Cannot open the drift report')
    );
  }

  /** Register run `runId`'s model under `name`; null when refused (the user was told why). */
  async register(
    runId: string,
    name: string,
    modelId: string | null
  ): Promise<RegisterResponse | null> {
    let answer: RegisterResponse;
    try {
      answer = await this._client.registerModel(runId, name, modelId);
    } catch (error) {
      this._reporter.failure(
        this._reporter.trans.__('Cannot register the model as "%1"', name)
      )(error);
      return null;
    }
    this._lastRegistration = answer;
    this._reporter.success(
      this._reporter.trans.__(
        'Registered %1 version %2.',
        answer.version.name,
        answer.version.version
      )
    );
    this._emit();
    if (this.run.value?.run.run_id === runId) {
      // Show the new version under the run's logged models; a failure keeps the run as it was.
      await this.run.load(
        () => this._client.getRun(runId),
        this._reporter.quietFailure(
          this._reporter.trans.__('Cannot refresh the run')
        )
      );
    }
    return answer;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.run.dispose();
    this.chart.dispose();
    this.driftReport.dispose();
    Signal.clearData(this);
  }

  /** Set (entries, or null while loading) or remove (undefined) an open folder. */
  private _setArtifactDir(
    path: string,
    entries: ArtifactEntry[] | null | undefined
  ): void {
    if (entries === undefined) {
      this._openArtifactDirs.delete(path);
    } else {
      this._openArtifactDirs.set(path, entries);
    }
    this._emit();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _openArtifactDirs = new Map<string, ArtifactEntry[] | null>();
  private _lastRegistration: RegisterResponse | null = null;
  private _isDisposed = false;
}
