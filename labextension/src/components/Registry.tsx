/**
 * The model registry: registered models, their versions, source runs and aliases; promote and demote.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import type { ModelVersion } from '../contract';
import { formatTime } from '../format';
import { environmentsOf, originOf } from '../models/environments';
import type { IViewHost } from '../models/mainView';
import { useTrans } from '../translation';
import { confirmChange } from './dialogs';
import { SignatureToggle } from './Signature';
import { ViewBar } from './ViewBar';

async function promote(
  model: IViewHost,
  name: string,
  alias: string,
  version: string,
  current: string | undefined,
  trans: TranslationBundle
): Promise<void> {
  const moving = current
    ? ' ' +
      trans.__(
        'It now points at version %1; that version loses the alias.',
        current
      )
    : '';
  const confirmed = await confirmChange(
    trans.__('Promote %1 version %2?', name, version),
    trans.__(
      'Set alias "%1" on %2 version %3, so models:/%2@%1 loads it.',
      alias,
      name,
      version
    ) + moving,
    trans.__('Set %1', alias),
    trans
  );
  if (confirmed) {
    await model.registry.setAlias(name, alias, version);
  }
}

async function demote(
  model: IViewHost,
  name: string,
  alias: string,
  version: string,
  trans: TranslationBundle
): Promise<void> {
  const confirmed = await confirmChange(
    trans.__('Remove alias %1?', alias),
    trans.__(
      'Remove alias "%1" from %2 version %3. models:/%2@%1 will no longer resolve.',
      alias,
      name,
      version
    ),
    trans.__('Remove %1', alias),
    trans
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
  const trans = useTrans();
  const versions = model.registry.versions.value;
  const aliases = versions?.page.aliases ?? {};
  const permissions = versions?.permissions ?? null;
  const setReason =
    permissions && !permissions.can_set_alias
      ? (permissions.reason ??
        trans.__(
          'You may not set aliases on this model (EDIT permission needed).'
        ))
      : null;
  const deleteReason =
    permissions && !permissions.can_delete_alias
      ? (permissions.reason ??
        trans.__(
          'You may not remove aliases of this model (MANAGE permission needed).'
        ))
      : null;
  const environments = environmentsOf(version.tags);
  const origin = originOf(version.tags);
  return (
    <tr>
      <th scope="row">
        v{version.version}
        {origin && (
          <div
            className="jp-mlops-hint"
            title={trans.__(
              'Promoted from %1 (%2 version %3)%4',
              origin.registry,
              origin.name,
              origin.version,
              origin.promotedBy ? trans.__(' by %1', origin.promotedBy) : ''
            )}
          >
            {trans.__('from %1 v%2', origin.name, origin.version)}
          </div>
        )}
        {environments.length > 0 && (
          <div
            className="jp-mlops-environments"
            aria-label={trans.__('Environments of version %1', version.version)}
          >
            {environments.map(placement => (
              <span
                key={placement.environment}
                className="jp-mlops-chip"
                title={placement.where}
              >
                {placement.environment}
              </span>
            ))}
          </div>
        )}
      </th>
      <td>
        {version.status}
        {version.legacy_stage && version.legacy_stage !== 'None' && (
          <span
            className="jp-mlops-hint"
            title={trans.__('MLflow stages are deprecated; shown read-only')}
          >
            {' '}
            {trans.__('(stage %1)', version.legacy_stage)}
          </span>
        )}
      </td>
      <td>
        {version.run_id ? (
          <button
            className="jp-mlops-link"
            title={trans.__('Open source run %1', version.run_id)}
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
        {version.model_id ? (
          <SignatureToggle
            signatures={model.signatures}
            modelId={version.model_id}
            label={`${name} version ${version.version}`}
          />
        ) : (
          '–'
        )}
      </td>
      <td>
        {version.aliases.map(alias => (
          <span key={alias} className="jp-mlops-chip">
            @{alias}
            <button
              className="jp-mlops-chip-remove"
              aria-label={trans.__(
                'Remove alias %1 from version %2',
                alias,
                version.version
              )}
              title={
                deleteReason ?? trans.__('Remove alias %1 (demote)', alias)
              }
              disabled={deleteReason !== null}
              onClick={() =>
                void demote(model, name, alias, version.version, trans)
              }
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
              aria-label={trans.__(
                'Promote version %1 to %2',
                version.version,
                alias
              )}
              title={
                setReason ??
                trans.__('Set alias %1 on version %2', alias, version.version)
              }
              disabled={setReason !== null}
              onClick={() =>
                void promote(
                  model,
                  name,
                  alias,
                  version.version,
                  aliases[alias],
                  trans
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
  const trans = useTrans();
  const name = model.registry.openModelName;
  if (!name) {
    return null;
  }
  const page = model.registry.versions.value?.page ?? null;
  const permissions = model.registry.versions.value?.permissions ?? null;
  return (
    <section
      className="jp-mlops-section"
      aria-label={trans.__('Versions of %1', name)}
    >
      <h3>{name}</h3>
      {!page ? (
        <p className="jp-mlops-hint">{trans.__('Loading versions…')}</p>
      ) : (
        <div className="jp-mlops-scroll-x">
          <table className="jp-mlops-versions">
            <thead>
              <tr>
                <th scope="col">{trans.__('Version')}</th>
                <th scope="col">{trans.__('Status')}</th>
                <th scope="col">{trans.__('Source run')}</th>
                <th scope="col">{trans.__('Created')}</th>
                <th scope="col">{trans.__('Signature')}</th>
                <th scope="col">{trans.__('Aliases')}</th>
                <th scope="col">{trans.__('Promote')}</th>
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
          {trans.__(
            'Your MLflow permission on this model: %1.',
            permissions.permission ?? trans.__('unknown')
          )}
          {permissions.reason && ` ${permissions.reason}`}
        </p>
      )}
    </section>
  );
}

export function RegistryView({ model }: { model: IViewHost }): JSX.Element {
  const trans = useTrans();
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
          aria-label={trans.__('Filter registered models')}
          placeholder={trans.__('Filter models by name')}
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
        <p className="jp-mlops-hint">
          {trans.__('Loading registered models…')}
        </p>
      ) : models.length === 0 ? (
        <p className="jp-mlops-hint">
          {trans.__(
            'No registered models yet. Open a run and click Register model.'
          )}
        </p>
      ) : (
        <ul
          className="jp-mlops-plain-list"
          aria-label={trans.__('Registered models')}
        >
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
                {trans.__('latest v%1', registered.latest_version ?? '–')}
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
