/**
 * The runs view: the active notebook's experiment and its runs — pages, sort, filter, columns, selection.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import type {
  Experiment,
  NotebookExperimentResponse,
  RunsPage,
  RunSummary
} from '../contract';
import { AsyncState } from './asyncState';
import type { Reporter } from './report';
import {
  DEFAULT_SORT,
  FIRST_PAGE_SIZE,
  IColumnChoice,
  ISortState,
  RUNS_PAGE_SIZE,
  filterToSearch,
  mergeKeys,
  nextSort,
  orderByClause,
  runsFingerprint
} from './runsQuery';

/** The runs loaded so far (pages appended as the table scrolls) and every key seen in them. */
export interface IRunsPages {
  runs: RunSummary[];
  nextPageToken: string | null;
  /** Param keys of the pages loaded for this notebook, sorted (a reload keeps the earlier ones). */
  paramKeys: string[];
  metricKeys: string[];
}

/** `page` appended to `runs`, its keys merged with those loaded before. */
function withPage(
  runs: RunSummary[],
  loaded: IRunsPages | null,
  page: RunsPage
): IRunsPages {
  return {
    runs: [...runs, ...page.runs],
    nextPageToken: page.next_page_token,
    paramKeys: mergeKeys(loaded?.paramKeys ?? [], page.param_keys),
    metricKeys: mergeKeys(loaded?.metricKeys ?? [], page.metric_keys)
  };
}

/** Columns shown before the user picks: the first two params and three metrics. */
function defaultColumns(
  paramKeys: string[],
  metricKeys: string[]
): IColumnChoice {
  return { params: paramKeys.slice(0, 2), metrics: metricKeys.slice(0, 3) };
}

export class RunsModel implements IDisposable {
  constructor(
    private readonly _client: MlopsClient,
    private readonly _reporter: Reporter
  ) {
    this.experimentLookup.changed.connect(this._emit, this);
    this.pages.changed.connect(this._emit, this);
  }

  /** The notebook's experiment name and, once created, the experiment. */
  readonly experimentLookup = new AsyncState<NotebookExperimentResponse>();
  /** The runs listed with the current sort and filter. */
  readonly pages = new AsyncState<IRunsPages>();

  /** Emitted after every change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get notebookPath(): string | null {
    return this._notebookPath;
  }

  get experiment(): Experiment | null {
    return this.experimentLookup.value?.experiment ?? null;
  }

  get experimentName(): string | null {
    return this.experimentLookup.value?.experiment_name ?? null;
  }

  get experimentError(): string | null {
    return this.experimentLookup.error;
  }

  /** Whether the lookup for this notebook has answered (found, absent or failed). */
  get experimentLoaded(): boolean {
    return (
      this.experimentLookup.value !== null ||
      this.experimentLookup.error !== null
    );
  }

  get runs(): RunSummary[] {
    return this.pages.value?.runs ?? [];
  }

  get nextPageToken(): string | null {
    return this.pages.value?.nextPageToken ?? null;
  }

  get loadingRuns(): boolean {
    return this.pages.isLoading;
  }

  get runsError(): string | null {
    return this.pages.error;
  }

  /** Every param key seen in the loaded pages, sorted. */
  get paramKeys(): string[] {
    return this.pages.value?.paramKeys ?? [];
  }

  /** Every metric key seen in the loaded pages, sorted. */
  get metricKeys(): string[] {
    return this.pages.value?.metricKeys ?? [];
  }

  /** The param and metric columns shown (the first keys seen choose a default). */
  get columns(): IColumnChoice {
    return this._columns ?? { params: [], metrics: [] };
  }

  get sort(): ISortState {
    return this._sort;
  }

  get filterText(): string {
    return this._filterText;
  }

  /** Run ids ticked for comparison. */
  get selected(): ReadonlySet<string> {
    return this._selected;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Follow another notebook (null: none): everything shown so far is dropped, nothing is fetched. */
  setNotebook(path: string | null): void {
    this._notebookPath = path;
    this.experimentLookup.reset();
    this.pages.reset();
    this._columns = null;
    this._selected = new Set();
    this._emit();
  }

  /**
   * Find the notebook's experiment, then list its first runs. `quiet` (background polls) shows a
   * failure inline without a notification.
   */
  async loadExperiment(quiet = false): Promise<void> {
    const path = this._notebookPath;
    if (!path) {
      return;
    }
    const action = this._reporter.trans.__(
      'Cannot find the experiment of %1',
      path
    );
    const outcome = await this.experimentLookup.load(
      () => this._client.getNotebookExperiment(path),
      quiet
        ? this._reporter.quietFailure(action)
        : this._reporter.failure(action)
    );
    if (outcome.kind === 'ready' && outcome.value.experiment) {
      await this.reloadRuns();
    }
  }

  /** Look the experiment up again from scratch (after an error). */
  async retryExperiment(): Promise<void> {
    this.experimentLookup.reset();
    await this.loadExperiment();
  }

  /** Create the notebook's experiment now (before the first run), then list its runs. */
  async createExperiment(): Promise<void> {
    const path = this._notebookPath;
    if (!path) {
      return;
    }
    const outcome = await this.experimentLookup.load(
      () => this._client.createNotebookExperiment(path),
      this._reporter.failure(
        this._reporter.trans.__('Cannot create the experiment')
      )
    );
    if (outcome.kind !== 'superseded') {
      await this.reloadRuns();
    }
  }

  /** Fetch the first page of runs with the current sort and filter. */
  async reloadRuns(): Promise<void> {
    const experiment = this.experiment;
    if (!experiment) {
      return;
    }
    const outcome = await this.pages.load(
      async () => {
        const page = await this._client.listRuns({
          experiment_id: experiment.experiment_id,
          filter: filterToSearch(this._filterText),
          order_by: orderByClause(this._sort),
          max_results: FIRST_PAGE_SIZE
        });
        return withPage([], this.pages.value, page);
      },
      this._reporter.failure(this._reporter.trans.__('Cannot list the runs'))
    );
    if (outcome.kind === 'ready') {
      this._chooseDefaultColumns();
    }
  }

  /** Append the next page (the virtualized table scrolled near its end). */
  async loadMoreRuns(): Promise<void> {
    const experiment = this.experiment;
    const loaded = this.pages.value;
    if (!experiment || !loaded?.nextPageToken || this.pages.isLoading) {
      return;
    }
    const token = loaded.nextPageToken;
    const outcome = await this.pages.load(
      async () => {
        const page = await this._client.listRuns({
          experiment_id: experiment.experiment_id,
          filter: filterToSearch(this._filterText),
          order_by: orderByClause(this._sort),
          max_results: RUNS_PAGE_SIZE,
          page_token: token
        });
        return withPage(loaded.runs, loaded, page);
      },
      this._reporter.failure(this._reporter.trans.__('Cannot load more runs'))
    );
    if (outcome.kind === 'ready') {
      this._chooseDefaultColumns();
    }
  }

  /** Sort by a column (server-side); the same column again reverses the order. */
  setSort(column: string): void {
    this._sort = nextSort(this._sort, column);
    void this.reloadRuns();
  }

  /** Filter the runs server-side (MLflow search syntax, or words of a run name). */
  setFilter(text: string): void {
    this._filterText = text;
    void this.reloadRuns();
  }

  /** Show or hide a param/metric column. */
  toggleColumn(kind: 'params' | 'metrics', key: string): void {
    const columns = this.columns;
    const current = columns[kind];
    const next = current.includes(key)
      ? current.filter(item => item !== key)
      : [...current, key];
    this._columns = { ...columns, [kind]: next };
    this._emit();
  }

  /** Tick or untick a run for comparison. */
  toggleSelected(runId: string): void {
    const selected = new Set(this._selected);
    if (selected.has(runId)) {
      selected.delete(runId);
    } else {
      selected.add(runId);
    }
    this._selected = selected;
    this._emit();
  }

  /**
   * One background refresh: find the experiment if it is still missing, else compare the newest runs
   * with those shown and reload when they differ. True when something changed; throws when the
   * server cannot answer (the caller backs off).
   */
  async checkForChanges(): Promise<boolean> {
    const experiment = this.experiment;
    if (!experiment) {
      await this.loadExperiment(true);
      return this.experiment !== null;
    }
    if (this.pages.isLoading) {
      return false;
    }
    const size = Math.min(Math.max(this.runs.length, 1), FIRST_PAGE_SIZE);
    const page = await this._client.listRuns({
      experiment_id: experiment.experiment_id,
      filter: filterToSearch(this._filterText),
      order_by: orderByClause(this._sort),
      max_results: size
    });
    if (
      runsFingerprint(page.runs) === runsFingerprint(this.runs.slice(0, size))
    ) {
      return false;
    }
    await this.reloadRuns();
    return true;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.experimentLookup.dispose();
    this.pages.dispose();
    Signal.clearData(this);
  }

  /** The first keys seen choose the columns, until the user picks others. */
  private _chooseDefaultColumns(): void {
    const { paramKeys, metricKeys } = this;
    if (
      this._columns === null &&
      (paramKeys.length > 0 || metricKeys.length > 0)
    ) {
      this._columns = defaultColumns(paramKeys, metricKeys);
      this._emit();
    }
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _notebookPath: string | null = null;
  /** Null until the first keys arrive or the user picks a column. */
  private _columns: IColumnChoice | null = null;
  private _sort: ISortState = DEFAULT_SORT;
  private _filterText = '';
  private _selected = new Set<string>();
  private _isDisposed = false;
}
