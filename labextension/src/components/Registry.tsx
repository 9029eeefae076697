/**
 * The model registry: registered models, their versions, source runs and aliases; promote and demote.
 */
import React, { useState } from 'react';

import type { ModelVersion } from '../contract';
import { formatTime } from '../format';
import type { IViewHost } from '../models/mainView';
import { confirmChange } from './dialogs';
import { ViewBar } from './ViewBar';

async function promote(
  model: IViewHost,
  name: string,
  alias: string,
  version: string,
  current: string | undefined
): Promise<void> {
  const moving = current
    ? ` It now points at version ${current}; that version loses the alias.`
    : '';
  const confirmed = await confirmChange(
    `Promote ${name} version ${version}?`,
    `Set alias "${alias}" on ${name} version ${version}, so models:/${name}@${alias} loads it.${moving}`,
    `Set ${alias}`
  );
  if (confirmed) {
    await model.registry.setAlias(name, alias, version);
  }
}

async function demote(
  model: IViewHost,
  name: string,
  alias: string,
  version: string
): Promise<void> {
  const confirmed = await confirmChange(
    `Remove alias ${alias}?`,
    `Remove alias "${alias}" from ${name} version ${version}. models:/${name}@${alias} will no longer resolve.`,
    `Remove ${alias}`
  );
  if (confirmed) {
    await model.registry.deleteAlias(name, alias);
  }
}

function VersionRow({
  model,
  name,
  version
}: {
  model: IViewHost;
  name: string;
  version: ModelVersion;
}): JSX.Element {
  const versions = model.registry.versions.value;
  const aliases = versions?.page.aliases ?? {};
  const permissions = versions?.permissions ?? null;
  const setReason =
    permissions && !permissions.can_set_alias
      ? (permissions.reason ??
        'You may not set aliases on this model (EDIT permission needed).')
      : null;
  const deleteReason =
    permissions && !permissions.can_delete_alias
      ? (permissions.reason ??
        'You may not remove aliases of this model (MANAGE permission needed).')
      : null;
  return (
    <tr>
      <th scope="row">v{version.version}</th>
      <td>
        {version.status}
        {version.legacy_stage && version.legacy_stage !== 'None' && (
          <span
            className="jp-mlops-hint"
            title="MLflow stages are deprecated; shown read-only"
          >
            {' '}
            (stage {version.legacy_stage})
          </span>
        )}
      </td>
      <td>
        {version.run_id ? (
          <button
            className="jp-mlops-link"
            title={`Open source run ${version.run_id}`}
            onClick={() => void model.openRun(version.run_id as string)}
          >
            {version.run_id.slice(0, 8)}
          </button>
        ) : (
          '–'
        )}
      </td>
      <td>{formatTime(version.creation_time)}</td>
      <td>
        {version.aliases.map(alias => (
          <span key={alias} className="jp-mlops-chip">
            @{alias}
            <button
              className="jp-mlops-chip-remove"
              aria-label={`Remove alias ${alias} from version ${version.version}`}
              title={deleteReason ?? `Remove alias ${alias} (demote)`}
              disabled={deleteReason !== null}
              onClick={() => void demote(model, name, alias, version.version)}
            >
              ×
            </button>
          </span>
        ))}
      </td>
      <td>
        {model.aliasNames
          .filter(alias => !version.aliases.includes(alias))
          .map(alias => (
            <button
              key={alias}
              className="jp-mlops-button"
              aria-label={`Promote version ${version.version} to ${alias}`}
              title={
                setReason ?? `Set alias ${alias} on version ${version.version}`
              }
              disabled={setReason !== null}
              onClick={() =>
                void promote(
                  model,
                  name,
                  alias,
                  version.version,
                  aliases[alias]
                )
              }
            >
              → {alias}
            </button>
          ))}
      </td>
    </tr>
  );
}

function ModelVersions({ model }: { model: IViewHost }): JSX.Element | null {
  const name = model.registry.openModelName;
  if (!name) {
    return null;
  }
  const page = model.registry.versions.value?.page ?? null;
  const permissions = model.registry.versions.value?.permissions ?? null;
  return (
    <section className="jp-mlops-section" aria-label={`Versions of ${name}`}>
      <h3>{name}</h3>
      {!page ? (
        <p className="jp-mlops-hint">Loading versions…</p>
      ) : (
        <div className="jp-mlops-scroll-x">
          <table className="jp-mlops-versions">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Source run</th>
                <th scope="col">Created</th>
                <th scope="col">Aliases</th>
                <th scope="col">Promote</th>
              </tr>
            </thead>
            <tbody>
              {page.versions.map(version => (
                <VersionRow
                  key={version.version}
                  model={model}
                  name={name}
                  version={version}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {permissions?.auth_enabled && (
        <p className="jp-mlops-hint">
          Your MLflow permission on this model:{' '}
          {permissions.permission ?? 'unknown'}.
          {permissions.reason && ` ${permissions.reason}`}
        </p>
      )}
    </section>
  );
}

export function RegistryView({ model }: { model: IViewHost }): JSX.Element {
  const registry = model.registry;
  const models = registry.models.value ?? [];
  const [filter, setFilter] = useState(registry.filterText);
  return (
    <div className="jp-mlops-detail">
      <ViewBar
        host={model}
        request={{ view: 'registry', model: registry.openModelName }}
        noBack
      />
      <form
        className="jp-mlops-filter"
        onSubmit={event => {
          event.preventDefault();
          void registry.setFilter(filter);
        }}
      >
        <input
          type="search"
          aria-label="Filter registered models"
          placeholder="Filter models by name"
          value={filter}
          onChange={event => setFilter(event.target.value)}
        />
      </form>
      {registry.error && (
        <p className="jp-mlops-error" role="alert">
          {registry.error}
        </p>
      )}
      {registry.models.isLoading && models.length === 0 ? (
        <p className="jp-mlops-hint">Loading registered models…</p>
      ) : models.length === 0 ? (
        <p className="jp-mlops-hint">
          No registered models yet. Open a run and click Register model.
        </p>
      ) : (
        <ul className="jp-mlops-plain-list" aria-label="Registered models">
          {models.map(registered => (
            <li
              key={registered.name}
              className={
                registered.name === registry.openModelName
                  ? 'jp-mod-selected'
                  : ''
              }
            >
              <button
                className="jp-mlops-link"
                onClick={() => void registry.openModel(registered.name)}
              >
                {registered.name}
              </button>{' '}
              <span className="jp-mlops-hint">
                latest v{registered.latest_version ?? '–'}
                {Object.entries(registered.aliases).map(
                  ([alias, version]) => ` · @${alias}→v${version}`
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      <ModelVersions model={model} />
    </div>
  );
}
