/**
 * The panel as a whole: the server configuration, the notebook it follows, which view shows, and the
 * view models (runs, run detail, compare, registry, convert to production) that components render.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import type { ConfigResponse } from '../contract';
import { AsyncState } from './asyncState';
import { CompareModel } from './compare';
import { ConvertModel, defaultOutput, RevealCell } from './convert';
import type { IViewHost, ViewRequest } from './mainView';
import { ModelSignatureModel } from './modelSignature';
import { FleetModel } from './fleet';
import { RunsRefresh } from './refresh';
import { RegistryModel } from './registry';
import { english, INotifier, ITrans, Reporter } from './report';
import { RunDetailModel } from './runDetail';
import { RunsModel } from './runs';
import { IScheduleChoice, SchedulesModel } from './schedule';
import { DEFAULT_SETTINGS, IPanelSettings } from './settings';

export type View =
  | 'runs'
  | 'detail'
  | 'compare'
  | 'registry'
  | 'convert'
  | 'schedules'
  | 'fleet';

const DEFAULT_ALIASES = ['staging', 'production'];

export class PanelModel implements IViewHost, IDisposable {
  constructor(
    client: MlopsClient,
    notifier: INotifier,
    revealCell: RevealCell | null = null,
    trans: ITrans = english
  ) {
    this._reporter = new Reporter(notifier, trans);
    this.config = new AsyncState<ConfigResponse>();
    this.runs = new RunsModel(client, this._reporter);
    this.detail = new RunDetailModel(client, this._reporter);
    this.compare = new CompareModel(client, this._reporter);
    this.registry = new RegistryModel(client, this._reporter);
    this.signatures = new ModelSignatureModel(client, this._reporter);
    this.convert = new ConvertModel(client, this._reporter, revealCell);
    this.schedules = new SchedulesModel(client, this._reporter);
    this.fleet = new FleetModel(client, this._reporter);
    this._client = client;
    this._refresh = new RunsRefresh({
      check: () => this.runs.checkForChanges(),
      isActive: () => this._visible && this.runs.notebookPath !== null,
      baseSeconds: () =>
        this._settings.refreshSeconds || this.config.value?.refresh_seconds
    });
    for (const part of [
      this.config,
      this.runs,
      this.detail,
      this.compare,
      this.registry,
      this.signatures,
      this.convert,
      this.schedules,
      this.fleet
    ]) {
      part.changed.connect(this._emit, this);
    }
  }

  /** The server configuration: connected store, alias names, refresh interval. */
  readonly config: AsyncState<ConfigResponse>;
  readonly runs: RunsModel;
  readonly detail: RunDetailModel;
  readonly compare: CompareModel;
  readonly registry: RegistryModel;
  /** Signatures of logged models, shown in the run detail and the registry. */
  readonly signatures: ModelSignatureModel;
  /** Convert to Production: the last conversion's report or refusal, and its test job. */
  readonly convert: ConvertModel;
  /** Schedule Retraining: the schedules of a folder and the one written last. */
  readonly schedules: SchedulesModel;
  /** The fleet: one row per group of an experiment's runs, aggregated by the server. */
  readonly fleet: FleetModel;

  /** Emitted after every change of the panel or one of its views. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The view shown. */
  get view(): View {
    return this._view;
  }

  /** Emitted when the user settings change. */
  get settingsChanged(): ISignal<this, void> {
    return this._settingsChanged;
  }

  /** The user settings (JupyterLab's settings registry). */
  get settings(): IPanelSettings {
    return this._settings;
  }

  /**
   * Alias names offered for promotion: the user setting, else the server configuration, else
   * staging/production.
   */
  get aliasNames(): string[] {
    if (this._settings.aliasNames.length) {
      return this._settings.aliasNames;
    }
    const names = this.config.value?.alias_names;
    return names?.length ? names : DEFAULT_ALIASES;
  }

  /** The followed notebook's experiment name. */
  get experimentName(): string | null {
    return this.runs.experimentName;
  }

  /** Back to the runs list. */
  get back(): () => void {
    return () => this.showRuns();
  }

  /** Open a view in a main-area tab (null until the plugin gives a way to). */
  get openInTab(): ((request: ViewRequest) => void) | null {
    return this._openTab;
  }

  /** Where Convert to Production proposes to write `notebook`'s package. */
  defaultOutputFor(notebook: string): string {
    return defaultOutput(notebook, this._settings.defaultOutputFolder);
  }

  /** Take new user settings: promote buttons, refresh interval, output folder, where views open. */
  setSettings(settings: IPanelSettings): void {
    const refreshChanged =
      settings.refreshSeconds !== this._settings.refreshSeconds;
    this._settings = settings;
    if (refreshChanged) {
      this._refresh.restart();
    }
    this._settingsChanged.emit();
    this._emit();
  }

  /** How the panel opens a view in a main-area tab (given by the plugin). */
  setTabOpener(open: ((request: ViewRequest) => void) | null): void {
    this._openTab = open;
    this._emit();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Load the server configuration. */
  async start(): Promise<void> {
    await this.config.load(
      () => this._client.getConfig(),
      this._reporter.failure(
        this._reporter.trans.__('Cannot load the MLOps configuration')
      )
    );
  }

  /** Show another notebook's runs (null: no notebook open); fetched now if the panel is visible. */
  async setNotebook(path: string | null): Promise<void> {
    if (path === this.runs.notebookPath) {
      return;
    }
    this.runs.setNotebook(path);
    this.detail.reset();
    this.compare.reset();
    if (!['registry', 'convert', 'schedules', 'fleet'].includes(this._view)) {
      this._view = 'runs';
    }
    this._stale = true;
    this._emit();
    if (this._visible) {
      await this._refreshIfStale();
    }
  }

  /** Fetch only while the panel is visible: a hidden panel asks the server nothing. */
  setVisible(visible: boolean): void {
    this._visible = visible;
    if (visible) {
      void this._refreshIfStale();
    }
  }

  /** Back to the runs list. */
  showRuns(): void {
    this._setView('runs');
  }

  /** Open one run (from the runs list, a comparison or a model version). */
  async openRun(runId: string): Promise<void> {
    if (this._inTabs()) {
      this._openTab?.({ view: 'run', runId });
      return;
    }
    const opened = this.detail.open(runId); // drops the previous run before the view switches
    this._setView('detail');
    await opened;
  }

  /** Compare the ticked runs; at least two are needed. */
  async openCompare(): Promise<void> {
    const runIds = [...this.runs.selected];
    if (runIds.length < 2) {
      this._reporter.warning(
        this._reporter.trans.__('Select at least two runs to compare.')
      );
      return;
    }
    if (this._inTabs()) {
      this._openTab?.({ view: 'compare', runIds });
      return;
    }
    const opened = this.compare.open(runIds); // drops the previous comparison first
    this._setView('compare');
    await opened;
  }

  /** Show the model registry, optionally opening one registered model. */
  async openRegistry(name: string | null = null): Promise<void> {
    if (this._inTabs()) {
      this._openTab?.({ view: 'registry', model: name });
      return;
    }
    this._setView('registry');
    await this.registry.load(name);
  }

  /** Show the fleet view (one row per group of an experiment's runs). */
  showFleet(): void {
    this._setView('fleet');
  }

  /** Show the Convert to Production view (its report, refusal and tests). */
  showConvert(): void {
    this._setView('convert');
  }

  /**
   * Convert `notebook` into `output` (empty: next to the notebook) and show the report or the
   * refusal in the panel.
   */
  async convertNotebook(
    notebook: string,
    output: string,
    force: boolean
  ): Promise<void> {
    this._setView('convert');
    await this.convert.convert(notebook, output, force);
  }

  /** Show the schedules (loaded now). */
  async showSchedules(): Promise<void> {
    this._setView('schedules');
    await this.schedules.load();
  }

  /** Write `notebook`'s schedule and show it among the folder's schedules. */
  async scheduleNotebook(
    notebook: string,
    choice: IScheduleChoice
  ): Promise<void> {
    this._setView('schedules');
    await this.schedules.create(notebook, choice);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._refresh.dispose();
    this.schedules.dispose();
    this.convert.dispose();
    this.fleet.dispose();
    this.config.dispose();
    this.runs.dispose();
    this.detail.dispose();
    this.compare.dispose();
    this.registry.dispose();
    this.signatures.dispose();
    Signal.clearData(this);
  }

  /** Load the notebook's experiment and runs if not loaded yet, then poll for changes. */
  private async _refreshIfStale(): Promise<void> {
    if (this._stale && this.runs.notebookPath) {
      this._stale = false;
      await this.runs.loadExperiment();
    }
    this._refresh.restart();
  }

  /** Whether views open in main-area tabs (the setting, and a way to open them). */
  private _inTabs(): boolean {
    return this._settings.openViewsInMainArea && this._openTab !== null;
  }

  private _setView(view: View): void {
    this._view = view;
    this._emit();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private readonly _client: MlopsClient;
  private readonly _reporter: Reporter;
  private readonly _refresh: RunsRefresh;
  private _changed = new Signal<this, void>(this);
  private _settingsChanged = new Signal<this, void>(this);
  private _settings: IPanelSettings = DEFAULT_SETTINGS;
  private _openTab: ((request: ViewRequest) => void) | null = null;
  private _view: View = 'runs';
  private _visible = false;
  private _stale = false;
  private _isDisposed = false;
}
