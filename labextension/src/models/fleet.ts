/**
 * The fleet view: one row per group (series) of an experiment's runs, aggregated by the server
 * (`GET fleet`); the browser holds one page of groups, never the runs. Sorting, filtering and paging
 * each ask the server again.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import type { FleetPage, FleetViewQuery } from '../contract';
import { AsyncState } from './asyncState';
import type { Reporter } from './report';

/** The columns the server sorts by. */
export type FleetSortKey =
  'group' | 'runs' | 'failures' | 'running' | 'last_run' | 'best';

export const FLEET_PAGE_SIZE = 50;

/** What the user asked for: the experiment, the group-by param, metric, sort, filter. */
export interface IFleetSettings {
  experiment: string;
  groupBy: string;
  metric: string;
  greaterIsBetter: boolean;
  model: string;
}

/** "groups 1-50 of 2000; all 100000 runs" or "…; 1000 newest runs scanned, more remain". */
export function coverageText(page: FleetPage, offset: number): string {
  const shown =
    page.groups.length === 0
      ? `0 of ${page.total_groups} groups`
      : `groups ${offset + 1}–${offset + page.groups.length} of ${page.total_groups}`;
  if (page.complete) {
    return `${shown}; all ${page.runs_scanned} runs aggregated (${page.source})`;
  }
  const more = page.next_page_token ? ', older runs remain' : '';
  return `${shown}; the ${page.runs_scanned} newest runs scanned (${page.source})${more}`;
}

export class FleetModel implements IDisposable {
  constructor(
    private readonly _client: MlopsClient,
    private readonly _reporter: Reporter
  ) {
    this.page.changed.connect(() => this._changed.emit(), this);
  }

  /** The page of groups shown. */
  readonly page = new AsyncState<FleetPage>();

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get settings(): IFleetSettings {
    return this._settings;
  }

  get sortKey(): FleetSortKey {
    return this._sortKey;
  }

  get descending(): boolean {
    return this._descending;
  }

  get filterText(): string {
    return this._filterText;
  }

  get offset(): number {
    return this._offset;
  }

  /** The continuation token of the runs window shown (null: the newest runs). */
  get pageToken(): string | null {
    return this._pageToken;
  }

  get canPrevious(): boolean {
    return this._offset > 0;
  }

  get canNext(): boolean {
    const value = this.page.value;
    return (
      value !== null && this._offset + value.groups.length < value.total_groups
    );
  }

  /** Whether older runs than the ones aggregated can be read (tracking-server path). */
  get canOlder(): boolean {
    return Boolean(this.page.value?.next_page_token);
  }

  /** Change what is grouped (and how); back to the first page of the newest runs. */
  async configure(settings: Partial<IFleetSettings>): Promise<void> {
    this._settings = { ...this._settings, ...settings };
    if (!this._settings.metric && this._sortKey === 'best') {
      this._sortKey = 'group';
    }
    await this._reload(0, null);
  }

  /** Sort by `key`; the same key again reverses the order. */
  async sortBy(key: FleetSortKey): Promise<void> {
    if (key === this._sortKey) {
      this._descending = !this._descending;
    } else {
      this._sortKey = key;
      this._descending =
        key === 'failures' || key === 'last_run' || key === 'runs';
    }
    await this._reload(0, this._pageToken);
  }

  async filter(text: string): Promise<void> {
    this._filterText = text;
    await this._reload(0, this._pageToken);
  }

  async nextPage(): Promise<void> {
    if (this.canNext) {
      await this._reload(this._offset + FLEET_PAGE_SIZE, this._pageToken);
    }
  }

  async previousPage(): Promise<void> {
    if (this.canPrevious) {
      await this._reload(
        Math.max(0, this._offset - FLEET_PAGE_SIZE),
        this._pageToken
      );
    }
  }

  /** Aggregate the next window of older runs (the server continues its `search_runs` scan). */
  async olderRuns(): Promise<void> {
    const token = this.page.value?.next_page_token;
    if (token) {
      await this._reload(0, token);
    }
  }

  /** The query sent for the current state (exported for tests and the component's links). */
  query(): FleetViewQuery {
    const { experiment, groupBy, metric, greaterIsBetter, model } =
      this._settings;
    return {
      experiment,
      group_by: groupBy,
      metric: metric || null,
      direction: greaterIsBetter ? 'higher' : 'lower',
      sort: (this._descending ? '-' : '') + this._sortKey,
      filter: this._filterText || null,
      limit: FLEET_PAGE_SIZE,
      offset: this._offset,
      page_token: this._pageToken,
      model: model || null,
      alias: null
    };
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.page.dispose();
    Signal.clearData(this);
  }

  private async _reload(
    offset: number,
    pageToken: string | null
  ): Promise<void> {
    this._offset = offset;
    this._pageToken = pageToken;
    if (!this._settings.experiment || !this._settings.groupBy) {
      this.page.reset();
      return;
    }
    const query = this.query();
    await this.page.load(
      () => this._client.call('getFleet', { query }),
      this._reporter.failure('Cannot load the fleet')
    );
  }

  private _changed = new Signal<this, void>(this);
  private _settings: IFleetSettings = {
    experiment: '',
    groupBy: '',
    metric: '',
    greaterIsBetter: true,
    model: ''
  };
  private _sortKey: FleetSortKey = 'group';
  private _descending = false;
  private _filterText = '';
  private _offset = 0;
  private _pageToken: string | null = null;
  private _isDisposed = false;
}
