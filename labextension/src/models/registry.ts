/**
 * The registry view: registered models (filtered by name), one model's versions and aliases, and
 * promotion (set alias) / demotion (remove alias).
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { MlopsClient } from '../api';
import type {
  ModelVersionsPage,
  PermissionsResponse,
  RegisteredModel
} from '../contract';
import { AsyncState } from './asyncState';
import type { Reporter } from './report';

/** A registered model's versions and what the user may change on it (null: unknown). */
export interface IModelVersions {
  page: ModelVersionsPage;
  permissions: PermissionsResponse | null;
}

/** The MLflow filter for registered model names containing `text` (null: all). */
export function registeredModelFilter(text: string): string | null {
  const trimmed = text.trim();
  return trimmed ? `name LIKE '%${trimmed.replace(/'/g, '')}%'` : null;
}

export class RegistryModel implements IDisposable {
  constructor(
    private readonly _client: MlopsClient,
    private readonly _reporter: Reporter
  ) {
    this.models.changed.connect(this._emit, this);
    this.versions.changed.connect(this._emit, this);
  }

  /** The registered models matching the filter. */
  readonly models = new AsyncState<RegisteredModel[]>();
  /** The open model's versions and permissions. */
  readonly versions = new AsyncState<IModelVersions>();

  /** Emitted after every change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get filterText(): string {
    return this._filterText;
  }

  /** The registered model whose versions are shown. */
  get openModelName(): string | null {
    return this._openModelName;
  }

  /** The failure to show above the list (listing the models, or the open model's versions). */
  get error(): string | null {
    return this.models.error ?? this.versions.error;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** List the registered models, then open `name` if given. */
  async load(name: string | null = null): Promise<void> {
    await this.models.load(
      async () => {
        const page = await this._client.listRegisteredModels(
          registeredModelFilter(this._filterText),
          null
        );
        return page.models;
      },
      this._reporter.failure(
        this._reporter.trans.__('Cannot list the registered models')
      )
    );
    if (name) {
      await this.openModel(name);
    }
  }

  /** Filter registered models by name (the open model stays open). */
  async setFilter(text: string): Promise<void> {
    this._filterText = text;
    await this.load(this._openModelName);
  }

  /** Show one registered model's versions, aliases and what the user may change. */
  async openModel(name: string): Promise<void> {
    this._openModelName = name;
    this.versions.reset();
    await this.versions.load(
      async () => {
        const [page, permissions] = await Promise.all([
          this._client.listModelVersions(name),
          this._client.getPermissions(name).catch(() => null)
        ]);
        return { page, permissions };
      },
      this._reporter.failure(
        this._reporter.trans.__('Cannot list the versions of %1', name)
      )
    );
  }

  /** Names of all registered models (for the Register model dialog); empty when they cannot be listed. */
  async modelNames(): Promise<string[]> {
    try {
      const page = await this._client.listRegisteredModels(null, null);
      return page.models.map(model => model.name);
    } catch (error) {
      this._reporter.failure(
        this._reporter.trans.__('Cannot list the registered models')
      )(error);
      return [];
    }
  }

  /** Promote: point `alias` at `version` (the component asked for confirmation). */
  async setAlias(
    name: string,
    alias: string,
    version: string
  ): Promise<boolean> {
    try {
      await this._client.setAlias(name, alias, version);
    } catch (error) {
      this._reporter.failure(
        this._reporter.trans.__(
          'Cannot set alias %1 on %2 version %3',
          alias,
          name,
          version
        )
      )(error);
      return false;
    }
    this._reporter.success(
      `${name}@${alias} now points at version ${version}.`
    );
    await this.load(name);
    return true;
  }

  /** Demote: remove `alias` from registered model `name`. */
  async deleteAlias(name: string, alias: string): Promise<boolean> {
    try {
      await this._client.deleteAlias(name, alias);
    } catch (error) {
      this._reporter.failure(
        this._reporter.trans.__('Cannot remove alias %1 from %2', alias, name)
      )(error);
      return false;
    }
    this._reporter.success(
      this._reporter.trans.__('Removed alias %1 from %2.', alias, name)
    );
    await this.load(name);
    return true;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.models.dispose();
    this.versions.dispose();
    Signal.clearData(this);
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _filterText = '';
  private _openModelName: string | null = null;
  private _isDisposed = false;
}
