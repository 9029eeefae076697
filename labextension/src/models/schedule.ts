/**
 * Schedule Retraining: the dialog's choice and the request it becomes, the live cron preview (wording
 * and next runs computed by the server), and the schedules of a folder with their last MLflow runs.
 */
import { IDisposable } from '@lumino/disposable';
import { Debouncer } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import type {
  CronPreview,
  ScheduleCreateRequest,
  ScheduledRun,
  ScheduleOptions,
  SchedulesList,
  ScheduleSummary,
  ScheduleWritten
} from '../contract';
import { AsyncState } from './asyncState';
import { english, errorMessage, ITrans, Reporter } from './report';

/** How long typing in the cron field pauses before the server is asked what it means. */
export const PREVIEW_DEBOUNCE_MS = 300;
/** Last runs shown per schedule. */
export const RUNS_PER_SCHEDULE = 5;

/** What the dialog collects; text fields as typed (the server checks them with the CLI's rules). */
export interface IScheduleChoice {
  engine: string;
  cron: string;
  folder: string;
  name: string;
  /** Parameter name → value as typed; empty keeps the notebook's default. */
  parameters: Record<string, string>;
  register: string;
  promote: string;
  metric: string;
  greaterIsBetter: boolean;
  minDelta: string;
}

/** The dialog's defaults for a notebook: accepting them writes a weekly cron schedule. */
export function defaultChoice(options: ScheduleOptions): IScheduleChoice {
  return {
    engine: options.default_engine,
    cron: options.default_cron,
    folder: options.default_folder,
    name: options.default_name,
    parameters: {},
    register: '',
    promote: '',
    metric: '',
    greaterIsBetter: true,
    minDelta: ''
  };
}

/** What is wrong with the gate fields before asking the server (null when nothing). */
export function gateProblem(
  choice: IScheduleChoice,
  trans: ITrans = english
): string | null {
  if (choice.promote.trim() && !choice.register.trim()) {
    return trans.__('Promoting needs a registered model name.');
  }
  if (choice.promote.trim() && !choice.metric.trim()) {
    return trans.__(
      'Promoting needs the metric champion and challenger compare on.'
    );
  }
  if (choice.minDelta.trim() && !Number.isFinite(Number(choice.minDelta))) {
    return trans.__(
      'Min delta must be a number; got %1.',
      JSON.stringify(choice.minDelta)
    );
  }
  return null;
}

/** The POST schedules body: only what differs from the server's defaults is left out as null. */
export function requestOf(
  notebook: string,
  choice: IScheduleChoice
): ScheduleCreateRequest {
  const text = (value: string): string | null => value.trim() || null;
  const parameters = Object.fromEntries(
    Object.entries(choice.parameters)
      .map(([name, value]) => [name, value.trim()])
      .filter(([, value]) => value !== '')
  );
  const metric = text(choice.metric);
  return {
    notebook,
    engine: text(choice.engine),
    cron: text(choice.cron),
    folder: text(choice.folder),
    name: text(choice.name),
    parameters: Object.keys(parameters).length ? parameters : null,
    register: text(choice.register),
    promote: text(choice.promote),
    metric,
    greater_is_better: metric ? choice.greaterIsBetter : null,
    min_delta: metric && choice.minDelta.trim() ? Number(choice.minDelta) : null
  };
}

/** The newest run's status, and whether the schedule needs attention (its newest run failed). */
export function lastStatus(
  summary: ScheduleSummary,
  trans: ITrans = english
): {
  label: string;
  failed: boolean;
} {
  const newest: ScheduledRun | undefined = summary.runs[0];
  if (!newest) {
    return {
      label: summary.note ? trans.__('no runs shown') : trans.__('no runs yet'),
      failed: false
    };
  }
  const failed = newest.status === 'FAILED' || newest.status === 'KILLED';
  return { label: newest.status.toLowerCase(), failed };
}

/**
 * The cron field's preview: asked of the server once typing pauses; only the answer for the latest
 * expression and engine shows.
 */
export class CronPreviewModel implements IDisposable {
  constructor(
    private readonly _client: MlopsClient,
    delayMs = PREVIEW_DEBOUNCE_MS,
    private readonly _trans: ITrans = english
  ) {
    this._debouncer = new Debouncer(() => this._fetch(), delayMs);
    this.state.changed.connect(() => this._changed.emit(), this);
  }

  readonly state = new AsyncState<CronPreview>();

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Ask what `cron` means for `engine` once typing pauses. */
  request(cron: string, engine: string): Promise<void> {
    this._cron = cron;
    this._engine = engine;
    return this._debouncer.invoke();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._debouncer.dispose();
    this.state.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    const cron = this._cron.trim();
    if (!cron) {
      this.state.reset();
      return;
    }
    await this.state.load(
      () => this._client.previewCron(cron, this._engine),
      error =>
        this._trans.__(
          'Cannot preview the expression: %1',
          errorMessage(error, this._trans)
        )
    );
  }

  private readonly _debouncer: Debouncer;
  private _changed = new Signal<this, void>(this);
  private _cron = '';
  private _engine = 'cron';
  private _isDisposed = false;
}

/** The panel's Schedules view: the schedules of a folder, and the schedule written last. */
export class SchedulesModel implements IDisposable {
  constructor(
    private readonly _client: MlopsClient,
    private readonly _reporter: Reporter
  ) {
    this.list.changed.connect(this._emit, this);
  }

  /** The folder's schedules with their last runs. */
  readonly list = new AsyncState<SchedulesList>();

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The folder listed (under the Jupyter root; null: the server's default, `schedules`). */
  get folder(): string | null {
    return this._folder;
  }

  /** What the last Schedule Retraining wrote (files, crontab line, install step). */
  get written(): ScheduleWritten | null {
    return this._written;
  }

  /** Why the last schedule could not be written (null when it was). */
  get writeError(): string | null {
    return this._writeError;
  }

  get isWriting(): boolean {
    return this._writing;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** What the panel's *Schedule Retraining…* button does (the command, set by the plugin). */
  setCreateAction(action: () => void): void {
    this._createAction = action;
  }

  requestCreate(): void {
    this._createAction?.();
  }

  /** Hide what the last Schedule Retraining wrote. */
  dismissWritten(): void {
    this._written = null;
    this._writeError = null;
    this._emit();
  }

  /** Load (or reload) the schedules of `folder` (default: the folder listed before). */
  async load(folder: string | null = this._folder): Promise<void> {
    this._folder = folder;
    await this.list.load(
      () => this._client.listSchedules(folder, RUNS_PER_SCHEDULE),
      this._reporter.quietFailure(
        this._reporter.trans.__('Cannot list the schedules')
      )
    );
  }

  /** Write `notebook`'s schedule; on success list the folder it went to. */
  async create(
    notebook: string,
    choice: IScheduleChoice
  ): Promise<ScheduleWritten | null> {
    const trans = this._reporter.trans;
    const problem = gateProblem(choice, trans);
    if (problem) {
      this._writeError = problem;
      this._reporter.notifier.error(
        trans.__('Cannot schedule %1: %2', notebook, problem)
      );
      this._emit();
      return null;
    }
    this._writing = true;
    this._writeError = null;
    this._emit();
    try {
      this._written = await this._client.createSchedule(
        requestOf(notebook, choice)
      );
    } catch (error) {
      this._writing = false;
      this._writeError = this._reporter.failure(
        trans.__('Cannot schedule %1', notebook)
      )(error);
      this._emit();
      return null;
    }
    this._writing = false;
    const written = this._written;
    this._reporter.success(
      trans.__(
        'Scheduled %1: %2 (%3, %4).',
        notebook,
        written.name,
        written.engine,
        written.cron
      )
    );
    this._emit();
    await this.load(written.folder);
    return written;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.list.dispose();
    Signal.clearData(this);
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _folder: string | null = null;
  private _written: ScheduleWritten | null = null;
  private _writeError: string | null = null;
  private _writing = false;
  private _createAction: (() => void) | null = null;
  private _isDisposed = false;
}
