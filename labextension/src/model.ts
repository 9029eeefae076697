/**
 * State of the MLOps panel and the actions on it; components render it and call its methods.
 *
 * The model is the only caller of `MlopsClient`. Every action ends with a settled state (data or a
 * readable error) and emits `changed`; errors also surface as JupyterLab notifications.
 */
import { Notification } from '@jupyterlab/apputils';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, MlopsClient } from './api';
import type {
  ArtifactEntry,
  CompareResponse,
  ConfigResponse,
  Experiment,
  MetricHistory,
  ModelVersionsPage,
  PermissionsResponse,
  RegisteredModel,
  RegisterResponse,
  RunDetail,
  RunSummary
} from './contract';

export type View = 'runs' | 'detail' | 'compare' | 'registry';

/** Server-side sort: an MLflow `order_by` column and its direction. */
export interface SortState {
  column: string;
  ascending: boolean;
}

/** Which params and metrics the runs table shows as columns. */
export interface ColumnChoice {
  params: string[];
  metrics: string[];
}

/** Runs fetched per page when scrolling (MLflow page token paging). */
export const RUNS_PAGE_SIZE = 200;
/** The first page only needs to fill the visible rows: small, so the first rows show fast. */
export const FIRST_PAGE_SIZE = 50;
/** Longest wait between refresh polls while nothing changes. */
export const MAX_POLL_SECONDS = 60;
const DEFAULT_POLL_SECONDS = 5;
const DEFAULT_ALIASES = ['staging', 'production'];

/** Turn anything thrown into a sentence for the user (never a stack trace). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    return error.message;
  }
  console.error('jupyter-mlops:', error);
  return 'Unexpected error in the MLOps panel (details in the browser console).';
}

/** MLflow `order_by` term for a param or metric key, quoted so any key is valid. */
export function orderByKey(kind: 'params' | 'metrics', key: string): string {
  return `${kind}.\`${key.replace(/`/g, '')}\``;
}

/**
 * The MLflow filter for what the user typed: MLflow search syntax is passed through; plain words
 * search run names (`attributes.run_name ILIKE '%words%'`).
 */
export function filterToSearch(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed) {
    return null;
  }
  if (/(=|<|>|\bLIKE\b|\bILIKE\b|\bIN\b)/i.test(trimmed)) {
    return trimmed;
  }
  return `attributes.run_name ILIKE '%${trimmed.replace(/'/g, '')}%'`;
}

/** A cheap identity of the listed runs: changes when a run appears, ends or changes status. */
function fingerprint(runs: RunSummary[]): string {
  return runs.map(run => `${run.run_id}:${run.status}:${run.end_time ?? ''}`).join('|');
}

function mergeKeys(existing: string[], incoming: string[]): string[] {
  const merged = new Set(existing);
  incoming.forEach(key => merged.add(key));
  return [...merged].sort();
}

export class PanelModel {
  constructor(readonly client: MlopsClient) {}

  // ------------------------------------------------------------------ state (read by components)
  view: View = 'runs';
  config: ConfigResponse | null = null;
  configError: string | null = null;

  notebookPath: string | null = null;
  experimentName: string | null = null;
  experiment: Experiment | null = null;
  experimentError: string | null = null;
  /** Whether the experiment lookup for the current notebook has answered (found, absent or failed). */
  experimentLoaded = false;

  runs: RunSummary[] = [];
  nextPageToken: string | null = null;
  paramKeys: string[] = [];
  metricKeys: string[] = [];
  columns: ColumnChoice = { params: [], metrics: [] };
  sort: SortState = { column: 'attributes.start_time', ascending: false };
  filterText = '';
  loadingRuns = false;
  runsError: string | null = null;
  selected = new Set<string>();

  detail: RunDetail | null = null;
  detailLoading = false;
  detailError: string | null = null;
  detailMetricKey: string | null = null;
  detailHistory: MetricHistory | null = null;
  lastRegistration: RegisterResponse | null = null;
  /** Contents of the artifact folders opened in the run detail, by folder path. */
  openArtifactDirs = new Map<string, ArtifactEntry[] | null>();

  comparison: CompareResponse | null = null;
  compareLoading = false;
  compareError: string | null = null;
  compareMetricKey: string | null = null;
  compareHistories: MetricHistory[] = [];

  registeredModels: RegisteredModel[] = [];
  registryLoading = false;
  registryError: string | null = null;
  registryFilter = '';
  openModelName: string | null = null;
  modelVersions: ModelVersionsPage | null = null;
  permissions: PermissionsResponse | null = null;

  /** Emitted after every state change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Alias names offered for promotion (server configuration, default staging/production). */
  get aliasNames(): string[] {
    return this.config?.alias_names?.length ? this.config.alias_names : DEFAULT_ALIASES;
  }

  /** Whether the active notebook's experiment exists and its runs can be listed. */
  get hasExperiment(): boolean {
    return this.experiment !== null;
  }

  // ------------------------------------------------------------------ lifecycle
  /** Load the server configuration (connected store, alias names, refresh interval). */
  async start(): Promise<void> {
    try {
      this.config = await this.client.getConfig();
      this.configError = null;
    } catch (error) {
      this.configError = this.report('Cannot load the MLOps configuration', error);
    }
    this.emit();
  }

  /** Show the panel's data for another notebook (null: no notebook open). */
  async setNotebook(path: string | null): Promise<void> {
    if (path === this.notebookPath) {
      return;
    }
    this.notebookPath = path;
    this.experiment = null;
    this.experimentName = null;
    this.experimentError = null;
    this.experimentLoaded = false;
    this.runs = [];
    this.nextPageToken = null;
    this.paramKeys = [];
    this.metricKeys = [];
    this.columns = { params: [], metrics: [] };
    this.selected.clear();
    this.runsError = null;
    this.detail = null;
    this.comparison = null;
    if (this.view !== 'registry') {
      this.view = 'runs';
    }
    this._stale = true;
    this.emit();
    if (this._visible) {
      await this.refreshIfStale();
    }
  }

  /** Fetch only while the panel is visible: a hidden panel costs the server nothing. */
  setVisible(visible: boolean): void {
    this._visible = visible;
    if (visible) {
      void this.refreshIfStale();
    } else {
      this.stopPolling();
    }
  }

  /** Load the current notebook's experiment and runs if not loaded yet, then poll for changes. */
  private async refreshIfStale(): Promise<void> {
    if (this._stale && this.notebookPath) {
      this._stale = false;
      await this.loadExperiment();
    }
    this.restartPolling();
  }

  dispose(): void {
    this.stopPolling();
    Signal.clearData(this);
  }

  // ------------------------------------------------------------------ experiment and runs
  /** Look the notebook's experiment up again (after an error). */
  async retryExperiment(): Promise<void> {
    this.experimentError = null;
    this.experimentLoaded = false;
    this.emit();
    await this.loadExperiment();
  }

  /** Find the notebook's experiment, then its first runs; `quiet` (background polls) skips notifications. */
  private async loadExperiment(quiet = false): Promise<void> {
    const path = this.notebookPath;
    if (!path) {
      return;
    }
    this.loadingRuns = true;
    this.emit();
    try {
      const answer = await this.client.getNotebookExperiment(path);
      if (path !== this.notebookPath) {
        return;
      }
      this.experimentName = answer.experiment_name;
      this.experiment = answer.experiment;
      this.experimentError = null;
    } catch (error) {
      if (path === this.notebookPath) {
        const action = `Cannot find the experiment of ${path}`;
        this.experimentError = quiet ? `${action}: ${errorMessage(error)}` : this.report(action, error);
      }
    } finally {
      if (path === this.notebookPath) {
        this.experimentLoaded = true;
      }
      this.loadingRuns = false;
      this.emit();
    }
    if (this.experiment) {
      await this.reloadRuns();
    }
  }

  /** Fetch the first page of runs with the current sort and filter. */
  async reloadRuns(): Promise<void> {
    const experiment = this.experiment;
    if (!experiment) {
      return;
    }
    const request = ++this._runsRequest;
    this.loadingRuns = true;
    this.emit();
    try {
      const page = await this.client.listRuns({
        experiment_id: experiment.experiment_id,
        filter: filterToSearch(this.filterText),
        order_by: this.orderBy(),
        max_results: FIRST_PAGE_SIZE
      });
      if (request !== this._runsRequest) {
        return;
      }
      this.runs = page.runs;
      this.nextPageToken = page.next_page_token;
      this.absorbKeys(page.param_keys, page.metric_keys);
      this.runsError = null;
    } catch (error) {
      if (request === this._runsRequest) {
        this.runsError = this.report('Cannot list the runs', error);
      }
    } finally {
      if (request === this._runsRequest) {
        this.loadingRuns = false;
        this.emit();
      }
    }
  }

  /** Append the next page (virtualized table scrolled near its end). */
  async loadMoreRuns(): Promise<void> {
    const experiment = this.experiment;
    const token = this.nextPageToken;
    if (!experiment || !token || this.loadingRuns) {
      return;
    }
    const request = ++this._runsRequest;
    this.loadingRuns = true;
    this.emit();
    try {
      const page = await this.client.listRuns({
        experiment_id: experiment.experiment_id,
        filter: filterToSearch(this.filterText),
        order_by: this.orderBy(),
        max_results: RUNS_PAGE_SIZE,
        page_token: token
      });
      if (request !== this._runsRequest) {
        return;
      }
      this.runs = [...this.runs, ...page.runs];
      this.nextPageToken = page.next_page_token;
      this.absorbKeys(page.param_keys, page.metric_keys);
    } catch (error) {
      if (request === this._runsRequest) {
        this.runsError = this.report('Cannot load more runs', error);
      }
    } finally {
      if (request === this._runsRequest) {
        this.loadingRuns = false;
        this.emit();
      }
    }
  }

  /** Sort by a column; a second click on the same column flips the direction. */
  setSort(column: string): void {
    this.sort =
      this.sort.column === column ? { column, ascending: !this.sort.ascending } : { column, ascending: column.includes('run_name') };
    void this.reloadRuns();
  }

  /** Filter the runs server-side (MLflow search syntax, or words of a run name). */
  setFilter(text: string): void {
    this.filterText = text;
    void this.reloadRuns();
  }

  /** Show or hide a param/metric column. */
  toggleColumn(kind: 'params' | 'metrics', key: string): void {
    const current = this.columns[kind];
    const next = current.includes(key) ? current.filter(item => item !== key) : [...current, key];
    this.columns = { ...this.columns, [kind]: next };
    this.emit();
  }

  /** Select or unselect a run for comparison. */
  toggleSelected(runId: string): void {
    if (this.selected.has(runId)) {
      this.selected.delete(runId);
    } else {
      this.selected.add(runId);
    }
    this.emit();
  }

  /** Create the notebook's experiment now (before the first run). */
  async createExperiment(): Promise<void> {
    if (!this.notebookPath) {
      return;
    }
    try {
      const answer = await this.client.createNotebookExperiment(this.notebookPath);
      this.experimentName = answer.experiment_name;
      this.experiment = answer.experiment;
      this.experimentError = null;
    } catch (error) {
      this.experimentError = this.report('Cannot create the experiment', error);
    }
    this.emit();
    await this.reloadRuns();
  }

  // ------------------------------------------------------------------ run detail
  /** Open one run: its params, metrics, tags, artifacts and models, and a metric chart. */
  async openRun(runId: string): Promise<void> {
    this.view = 'detail';
    this.detail = null;
    this.detailError = null;
    this.detailLoading = true;
    this.detailHistory = null;
    this.detailMetricKey = null;
    this.lastRegistration = null;
    this.openArtifactDirs = new Map();
    this.emit();
    try {
      const detail = await this.client.getRun(runId);
      this.detail = detail;
      const keys = Object.keys(detail.run.metrics).sort();
      this.detailMetricKey = keys[0] ?? null;
    } catch (error) {
      this.detailError = this.report('Cannot open the run', error);
    } finally {
      this.detailLoading = false;
      this.emit();
    }
    if (this.detail && this.detailMetricKey) {
      await this.selectDetailMetric(this.detailMetricKey);
    }
  }

  /** Chart another metric of the open run. */
  async selectDetailMetric(key: string): Promise<void> {
    const detail = this.detail;
    if (!detail) {
      return;
    }
    this.detailMetricKey = key;
    await this.loadMetricHistory(
      key,
      () => this.client.getMetricHistory(detail.run.run_id, key),
      () => this.detail === detail && this.detailMetricKey === key,
      history => {
        this.detailHistory = history;
      }
    );
  }

  /** Open or close an artifact folder of the open run (its entries are fetched on first open). */
  async toggleArtifactDir(path: string): Promise<void> {
    const detail = this.detail;
    if (!detail) {
      return;
    }
    if (this.openArtifactDirs.has(path)) {
      this.openArtifactDirs.delete(path);
      this.emit();
      return;
    }
    this.openArtifactDirs.set(path, null);
    this.emit();
    try {
      const listing = await this.client.listArtifacts(detail.run.run_id, path);
      if (this.detail === detail && this.openArtifactDirs.has(path)) {
        this.openArtifactDirs.set(path, listing.files);
      }
    } catch (error) {
      this.openArtifactDirs.delete(path);
      this.report(`Cannot list the artifacts in ${path}`, error);
    }
    this.emit();
  }

  /** Names of the registered models (for the Register model dialog). */
  async registeredModelNames(): Promise<string[]> {
    try {
      const page = await this.client.listRegisteredModels(null, null);
      return page.models.map(model => model.name);
    } catch (error) {
      this.report('Cannot list the registered models', error);
      return [];
    }
  }

  /** Register the open run's model under `name`; null when refused (the user was told why). */
  async registerModel(runId: string, name: string, modelId: string | null): Promise<RegisterResponse | null> {
    try {
      const answer = await this.client.registerModel(runId, name, modelId);
      this.lastRegistration = answer;
      Notification.success(`Registered ${answer.version.name} version ${answer.version.version}.`, { autoClose: 5000 });
      if (this.detail?.run.run_id === runId) {
        await this.refreshDetail(runId);
      }
      return answer;
    } catch (error) {
      this.report(`Cannot register the model as "${name}"`, error);
      return null;
    } finally {
      this.emit();
    }
  }

  private async refreshDetail(runId: string): Promise<void> {
    try {
      this.detail = await this.client.getRun(runId);
    } catch {
      // The registration itself succeeded; the stale detail stays until the next open.
    }
  }

  // ------------------------------------------------------------------ compare
  /** Compare the selected runs: differing params/metrics and an overlaid metric chart. */
  async openCompare(): Promise<void> {
    const runIds = [...this.selected];
    if (runIds.length < 2) {
      Notification.warning('Select at least two runs to compare.', { autoClose: 4000 });
      return;
    }
    this.view = 'compare';
    this.comparison = null;
    this.compareError = null;
    this.compareLoading = true;
    this.compareHistories = [];
    this.emit();
    try {
      this.comparison = await this.client.compareRuns(runIds);
      const preferred = this.comparison.differing_metrics[0] ?? this.comparison.metric_keys[0] ?? null;
      this.compareMetricKey = preferred;
    } catch (error) {
      this.compareError = this.report('Cannot compare the runs', error);
    } finally {
      this.compareLoading = false;
      this.emit();
    }
    if (this.comparison && this.compareMetricKey) {
      await this.selectCompareMetric(this.compareMetricKey);
    }
  }

  /** Overlay another metric of the compared runs. */
  async selectCompareMetric(key: string): Promise<void> {
    const comparison = this.comparison;
    if (!comparison) {
      return;
    }
    this.compareMetricKey = key;
    await this.loadMetricHistory(
      key,
      () =>
        Promise.all(
          comparison.runs.filter(run => key in run.metrics).map(run => this.client.getMetricHistory(run.run_id, key, 500))
        ),
      () => this.comparison === comparison && this.compareMetricKey === key,
      histories => {
        this.compareHistories = histories;
      }
    );
  }

  /** Fetch metric `key`'s history for a chart; keep it only if that chart still wants it when it arrives. */
  private async loadMetricHistory<T>(
    key: string,
    fetch: () => Promise<T>,
    stillWanted: () => boolean,
    keep: (history: T) => void
  ): Promise<void> {
    this.emit();
    try {
      const history = await fetch();
      if (stillWanted()) {
        keep(history);
      }
    } catch (error) {
      this.report(`Cannot load the history of metric ${key}`, error);
    }
    this.emit();
  }

  // ------------------------------------------------------------------ registry
  /** Show the model registry, optionally opening one registered model. */
  async openRegistry(name: string | null = null): Promise<void> {
    this.view = 'registry';
    this.registryLoading = true;
    this.registryError = null;
    this.emit();
    try {
      const filter = this.registryFilter.trim() ? `name LIKE '%${this.registryFilter.trim().replace(/'/g, '')}%'` : null;
      const page = await this.client.listRegisteredModels(filter, null);
      this.registeredModels = page.models;
    } catch (error) {
      this.registryError = this.report('Cannot list the registered models', error);
    } finally {
      this.registryLoading = false;
      this.emit();
    }
    if (name) {
      await this.openModel(name);
    }
  }

  /** Filter registered models by name. */
  setRegistryFilter(text: string): void {
    this.registryFilter = text;
    void this.openRegistry(this.openModelName);
  }

  /** Show one registered model's versions, aliases and what the user may change. */
  async openModel(name: string): Promise<void> {
    this.openModelName = name;
    this.modelVersions = null;
    this.permissions = null;
    this.emit();
    try {
      const [versions, permissions] = await Promise.all([
        this.client.listModelVersions(name),
        this.client.getPermissions(name).catch(() => null)
      ]);
      if (this.openModelName === name) {
        this.modelVersions = versions;
        this.permissions = permissions;
      }
    } catch (error) {
      this.registryError = this.report(`Cannot list the versions of ${name}`, error);
    }
    this.emit();
  }

  /** Promote: point `alias` at `version` (the component asked for confirmation). */
  async setAlias(name: string, alias: string, version: string): Promise<boolean> {
    try {
      await this.client.setAlias(name, alias, version);
      Notification.success(`${name}@${alias} now points at version ${version}.`, { autoClose: 5000 });
      await this.openRegistry(name);
      return true;
    } catch (error) {
      this.report(`Cannot set alias ${alias} on ${name} version ${version}`, error);
      return false;
    }
  }

  /** Demote: remove `alias` from registered model `name`. */
  async deleteAlias(name: string, alias: string): Promise<boolean> {
    try {
      await this.client.deleteAlias(name, alias);
      Notification.success(`Removed alias ${alias} from ${name}.`, { autoClose: 5000 });
      await this.openRegistry(name);
      return true;
    } catch (error) {
      this.report(`Cannot remove alias ${alias} from ${name}`, error);
      return false;
    }
  }

  /** Back to the runs list. */
  showRuns(): void {
    this.view = 'runs';
    this.emit();
  }

  // ------------------------------------------------------------------ polling
  private restartPolling(): void {
    this.stopPolling();
    this._pollSeconds = this.config?.refresh_seconds || DEFAULT_POLL_SECONDS;
    this.schedulePoll();
  }

  private stopPolling(): void {
    if (this._pollTimer !== null) {
      window.clearTimeout(this._pollTimer);
      this._pollTimer = null;
    }
  }

  private schedulePoll(): void {
    if (!this._visible || !this.notebookPath) {
      return;
    }
    this._pollTimer = window.setTimeout(() => void this.poll(), this._pollSeconds * 1000);
  }

  /** One refresh: reload when the newest runs changed; back off while nothing changes or on errors. */
  private async poll(): Promise<void> {
    this._pollTimer = null;
    let changed = false;
    try {
      if (!this.experiment) {
        await this.loadExperiment(true);
        changed = this.experiment !== null;
      } else if (!this.loadingRuns) {
        const size = Math.min(Math.max(this.runs.length, 1), FIRST_PAGE_SIZE);
        const page = await this.client.listRuns({
          experiment_id: this.experiment.experiment_id,
          filter: filterToSearch(this.filterText),
          order_by: this.orderBy(),
          max_results: size
        });
        if (fingerprint(page.runs) !== fingerprint(this.runs.slice(0, size))) {
          changed = true;
          await this.reloadRuns();
        }
      }
    } catch {
      changed = false; // A failed background refresh is not reported each time; it backs off.
    }
    const base = this.config?.refresh_seconds || DEFAULT_POLL_SECONDS;
    this._pollSeconds = changed ? base : Math.min(this._pollSeconds * 1.5, MAX_POLL_SECONDS);
    this.schedulePoll();
  }

  // ------------------------------------------------------------------ helpers
  private orderBy(): string {
    const direction = this.sort.ascending ? 'ASC' : 'DESC';
    const tieBreak = this.sort.column === 'attributes.start_time' ? '' : ',attributes.start_time DESC';
    return `${this.sort.column} ${direction}${tieBreak}`;
  }

  private absorbKeys(paramKeys: string[], metricKeys: string[]): void {
    const firstKeys = this.paramKeys.length === 0 && this.metricKeys.length === 0;
    this.paramKeys = mergeKeys(this.paramKeys, paramKeys);
    this.metricKeys = mergeKeys(this.metricKeys, metricKeys);
    if (firstKeys && this.columns.params.length === 0 && this.columns.metrics.length === 0) {
      this.columns = { params: this.paramKeys.slice(0, 2), metrics: this.metricKeys.slice(0, 3) };
    }
  }

  /** Tell the user (notification) and return the sentence for inline display. */
  private report(action: string, error: unknown): string {
    const message = `${action}: ${errorMessage(error)}`;
    Notification.error(message, { autoClose: 10000 });
    return message;
  }

  private emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _visible = false;
  private _stale = false;
  private _pollTimer: number | null = null;
  private _pollSeconds = DEFAULT_POLL_SECONDS;
  private _runsRequest = 0;
}
