/**
 * One run: params, metrics, tags, artifacts, logged models, a metric chart and Register model.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { ArtifactEntry } from '../contract';
import {
  formatDuration,
  formatMetric,
  formatSize,
  formatTime
} from '../format';
import type { IViewHost } from '../models/mainView';
import type { RunDetailModel } from '../models/runDetail';
import { useTrans } from '../translation';
import { ChartRenderer, MetricChart } from './Chart';
import { DriftSection } from './DriftSection';
import { askRegisterChoice, showRegistered } from './dialogs';
import { SignatureToggle } from './Signature';
import { ViewBar } from './ViewBar';

function KeyValues({
  title,
  values
}: {
  title: string;
  values: Record<string, string>;
}): JSX.Element {
  const trans = useTrans();
  const keys = Object.keys(values).sort();
  return (
    <section
      className="jp-mlops-section jp-mlops-kv-section"
      aria-label={title}
    >
      <h3>{title}</h3>
      {keys.length === 0 ? (
        <p className="jp-mlops-hint">{trans.__('None.')}</p>
      ) : (
        <table className="jp-mlops-kv">
          <tbody>
            {keys.map(key => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td title={values[key]}>{values[key]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Artifact files and folders; a folder opens in place (fetched on first open). */
function ArtifactTree({
  model,
  entries
}: {
  model: RunDetailModel;
  entries: ArtifactEntry[];
}): JSX.Element {
  const trans = useTrans();
  return (
    <ul className="jp-mlops-plain-list jp-mlops-artifacts">
      {entries.map(entry => {
        const name = entry.path.split('/').pop() ?? entry.path;
        if (!entry.is_dir) {
          return (
            <li key={entry.path}>
              {name}{' '}
              <span className="jp-mlops-hint">
                {formatSize(entry.file_size)}
              </span>
            </li>
          );
        }
        const open = model.openArtifactDirs.has(entry.path);
        const children = model.openArtifactDirs.get(entry.path);
        return (
          <li key={entry.path}>
            <button
              className="jp-mlops-link"
              aria-expanded={open}
              onClick={() => void model.toggleArtifactDir(entry.path)}
            >
              {open ? '▾' : '▸'} {name}/
            </button>
            {open &&
              (children ? (
                <ArtifactTree model={model} entries={children} />
              ) : (
                <span className="jp-mlops-hint"> {trans.__('loading…')}</span>
              ))}
          </li>
        );
      })}
    </ul>
  );
}

async function register(
  model: IViewHost,
  trans: TranslationBundle
): Promise<void> {
  const detail = model.detail.run.value;
  if (!detail) {
    return;
  }
  const names = await model.registry.modelNames();
  const suggestion = (model.experimentName ?? detail.run.run_name)
    .replace(/\.ipynb$/, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_');
  const choice = await askRegisterChoice(
    names,
    detail.models,
    suggestion,
    trans
  );
  if (!choice) {
    return;
  }
  const answer = await model.detail.register(
    detail.run.run_id,
    choice.name,
    choice.modelId
  );
  if (answer && (await showRegistered(answer, trans))) {
    await model.openRegistry(answer.version.name);
  }
}

/** The open run. */
export function RunDetailView({
  model,
  renderChart
}: {
  model: IViewHost;
  renderChart: ChartRenderer;
}): JSX.Element {
  const trans = useTrans();
  const view = model.detail;
  const detail = view.run.value;
  const back = (
    <ViewBar
      host={model}
      request={detail ? { view: 'run', runId: detail.run.run_id } : null}
    />
  );
  if (view.run.isLoading && !detail) {
    return (
      <div className="jp-mlops-detail">
        {back}
        <p className="jp-mlops-hint">{trans.__('Loading the run…')}</p>
      </div>
    );
  }
  if (!detail) {
    return (
      <div className="jp-mlops-detail">
        {back}
        <p className="jp-mlops-error" role="alert">
          {view.run.error ?? trans.__('No run selected.')}
        </p>
      </div>
    );
  }
  const run = detail.run;
  const metricKeys = Object.keys(run.metrics).sort();
  const metrics: Record<string, string> = {};
  metricKeys.forEach(key => (metrics[key] = formatMetric(run.metrics[key])));
  const reason = detail.register_disabled_reason;
  const registration = view.lastRegistration;
  const history = view.chart.history.value;
  return (
    <div className="jp-mlops-detail">
      {back}
      <h2 className="jp-mlops-title">{run.run_name || run.run_id}</h2>
      <p className="jp-mlops-meta">
        <span
          className={`jp-mlops-status jp-mlops-status-${run.status.toLowerCase()}`}
        >
          {run.status}
        </span>{' '}
        · {trans.__('started %1', formatTime(run.start_time))} ·{' '}
        {formatDuration(run.duration_ms)} · <code>{run.run_id}</code>
      </p>
      <div className="jp-mlops-actions">
        <button
          className="jp-mlops-button jp-mod-accept"
          disabled={reason !== null}
          title={
            reason ??
            trans.__('Register this run’s model in the MLflow model registry')
          }
          onClick={() => void register(model, trans)}
        >
          {trans.__('Register model')}
        </button>
        {reason && <span className="jp-mlops-hint">{reason}</span>}
      </div>
      {registration && registration.version.run_id === run.run_id && (
        <p className="jp-mlops-success" role="status">
          {trans.__('Registered')} <strong>{registration.version.name}</strong>{' '}
          {trans.__('version')} <strong>{registration.version.version}</strong>.{' '}
          <button
            className="jp-mlops-link"
            onClick={() => void model.openRegistry(registration.version.name)}
          >
            {trans.__('Show in registry')}
          </button>
          {registration.version.ui_url && (
            <>
              {' · '}
              <a
                href={registration.version.ui_url}
                target="_blank"
                rel="noopener noreferrer"
              >
                {trans.__('Open in MLflow')}
              </a>
            </>
          )}
        </p>
      )}
      {detail.drift && <DriftSection view={view} drift={detail.drift} />}
      {metricKeys.length > 0 && (
        <section
          className="jp-mlops-section"
          aria-label={trans.__('Metric history')}
        >
          <h3>
            {trans.__('Metric history')}{' '}
            <select
              aria-label={trans.__('Metric to chart')}
              value={view.chart.key ?? ''}
              onChange={event => void view.selectMetric(event.target.value)}
            >
              {metricKeys.map(key => (
                <option key={key} value={key}>
                  {key}
                </option>
              ))}
            </select>
          </h3>
          {history && history.key === view.chart.key ? (
            <>
              <MetricChart
                metricKey={history.key}
                histories={[history]}
                labels={{}}
                label={trans.__('History of %1', history.key)}
                render={renderChart}
              />
              {history.sampled && (
                <p className="jp-mlops-hint">
                  {trans.__(
                    'Sampled %1 of %2 points.',
                    history.points.length,
                    history.total_points
                  )}
                </p>
              )}
            </>
          ) : (
            <p className="jp-mlops-hint">{trans.__('Loading history…')}</p>
          )}
        </section>
      )}
      <KeyValues title={trans.__('Metrics')} values={metrics} />
      <KeyValues title={trans.__('Parameters')} values={run.params} />
      <section className="jp-mlops-section" aria-label={trans.__('Models')}>
        <h3>{trans.__('Logged models')}</h3>
        {detail.models.length === 0 ? (
          <p className="jp-mlops-hint">{trans.__('None.')}</p>
        ) : (
          <ul className="jp-mlops-plain-list">
            {detail.models.map(logged => (
              <li key={logged.model_id}>
                <code>{logged.model_uri}</code> ({logged.name}, {logged.status}){' '}
                <SignatureToggle
                  signatures={model.signatures}
                  modelId={logged.model_id}
                  label={logged.model_uri}
                />
                {logged.registered_versions.map(ref => (
                  <button
                    key={`${ref.name}/${ref.version}`}
                    className="jp-mlops-chip"
                    onClick={() => void model.openRegistry(ref.name)}
                  >
                    {ref.name} v{ref.version}
                  </button>
                ))}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="jp-mlops-section" aria-label={trans.__('Artifacts')}>
        <h3>{trans.__('Artifacts')}</h3>
        {detail.artifacts.length === 0 ? (
          <p className="jp-mlops-hint">{trans.__('No artifacts.')}</p>
        ) : (
          <ArtifactTree model={view} entries={detail.artifacts} />
        )}
      </section>
      <KeyValues title={trans.__('Tags')} values={run.tags} />
    </div>
  );
}
