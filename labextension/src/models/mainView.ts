/**
 * Run detail, compare and registry in a main-area tab: which view a tab shows, and the model it renders
 * (its own run, comparison or registry, independent of the sidebar).
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import { CompareModel } from './compare';
import { ModelSignatureModel } from './modelSignature';
import { RegistryModel } from './registry';
import type { Reporter } from './report';
import { RunDetailModel } from './runDetail';

/** What a main-area tab shows: one run, a comparison of runs, or the registry (optionally one model). */
export type ViewRequest =
  | { view: 'run'; runId: string }
  | { view: 'compare'; runIds: string[] }
  | { view: 'registry'; model: string | null };

/** One tab per run, per set of compared runs, and one registry tab. */
export function viewKey(request: ViewRequest): string {
  switch (request.view) {
    case 'run':
      return `run:${request.runId}`;
    case 'compare':
      return `compare:${[...request.runIds].sort().join(',')}`;
    default:
      return 'registry';
  }
}

/** A request from a command's (or a restored layout's) arguments; null when they make none. */
export function viewRequestFrom(
  args: Record<string, unknown>
): ViewRequest | null {
  switch (args.view) {
    case 'run':
      return typeof args.runId === 'string' && args.runId
        ? { view: 'run', runId: args.runId }
        : null;
    case 'compare': {
      const ids = Array.isArray(args.runIds)
        ? args.runIds.filter(
            (id): id is string => typeof id === 'string' && id !== ''
          )
        : [];
      return ids.length >= 2 ? { view: 'compare', runIds: ids } : null;
    }
    case 'registry':
      return {
        view: 'registry',
        model: typeof args.model === 'string' && args.model ? args.model : null
      };
    default:
      return null;
  }
}

/**
 * What the run, compare and registry components need from whoever shows them: the sidebar's
 * `PanelModel` or a main-area tab's `MainViewModel`.
 */
export interface IViewHost {
  readonly detail: RunDetailModel;
  readonly compare: CompareModel;
  readonly registry: RegistryModel;
  /** Logged models' signatures, fetched when opened. */
  readonly signatures: ModelSignatureModel;
  /** Alias names offered as promote buttons. */
  readonly aliasNames: string[];
  /** The experiment's name, the start of the suggested registered-model name (null: the run's). */
  readonly experimentName: string | null;
  openRun(runId: string): Promise<void>;
  openRegistry(name?: string | null): Promise<void>;
  /** Back to the runs list (the sidebar); null in a tab. */
  readonly back: (() => void) | null;
  /** Show a view in a main-area tab (the sidebar); null in a tab or without tabs. */
  readonly openInTab: ((request: ViewRequest) => void) | null;
}

/** What a tab takes from the sidebar's model: the alias names, and when they change. */
export interface IViewSource {
  readonly aliasNames: string[];
  readonly settingsChanged: ISignal<unknown, void>;
}

/** The model of one main-area tab. */
export class MainViewModel implements IViewHost, IDisposable {
  constructor(
    client: MlopsClient,
    reporter: Reporter,
    private readonly _source: IViewSource,
    /** Open (or activate) another tab: a run from the registry, a model from a run. */
    private readonly _navigate: (request: ViewRequest) => void,
    request: ViewRequest
  ) {
    this.detail = new RunDetailModel(client, reporter);
    this.compare = new CompareModel(client, reporter);
    this.registry = new RegistryModel(client, reporter);
    this.signatures = new ModelSignatureModel(client, reporter);
    this._request = request;
    for (const part of [
      this.detail,
      this.compare,
      this.registry,
      this.signatures
    ]) {
      part.changed.connect(this._emit, this);
    }
    _source.settingsChanged.connect(this._emit, this);
  }

  readonly detail: RunDetailModel;
  readonly compare: CompareModel;
  readonly registry: RegistryModel;
  readonly signatures: ModelSignatureModel;
  readonly back = null;
  readonly openInTab = null;

  /** Emitted after every change of the shown view (and of the settings it uses). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** What the tab shows (the registry's follows the model opened in it). */
  get request(): ViewRequest {
    const request = this._request;
    return request.view === 'registry'
      ? { view: 'registry', model: this.registry.openModelName }
      : request;
  }

  get aliasNames(): string[] {
    return this._source.aliasNames;
  }

  get experimentName(): string | null {
    return null;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Load what `request` names into this tab. */
  async show(request: ViewRequest): Promise<void> {
    this._request = request;
    this._emit();
    switch (request.view) {
      case 'run':
        await this.detail.open(request.runId);
        break;
      case 'compare':
        await this.compare.open(request.runIds);
        break;
      default:
        await this.registry.load(request.model);
    }
  }

  async openRun(runId: string): Promise<void> {
    this._navigate({ view: 'run', runId });
  }

  /** In the registry tab: open the model here; elsewhere: in the registry tab. */
  async openRegistry(name: string | null = null): Promise<void> {
    if (this._request.view === 'registry') {
      await (name ? this.registry.openModel(name) : this.registry.load());
      return;
    }
    this._navigate({ view: 'registry', model: name });
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._source.settingsChanged.disconnect(this._emit, this);
    this.detail.dispose();
    this.compare.dispose();
    this.registry.dispose();
    this.signatures.dispose();
    Signal.clearData(this);
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _request: ViewRequest;
  private _isDisposed = false;
}
