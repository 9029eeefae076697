/**
 * One run: params, metrics, tags, artifacts, logged models, a metric chart and Register model.
 */
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
import { ChartRenderer, MetricChart } from './Chart';
import { askRegisterChoice, showRegistered } from './dialogs';
import { ViewBar } from './ViewBar';

function KeyValues({
  title,
  values
}: {
  title: string;
  values: Record<string, string>;
}): JSX.Element {
  const keys = Object.keys(values).sort();
  return (
    <section
      className="jp-mlops-section jp-mlops-kv-section"
      aria-label={title}
    >
      <h3>{title}</h3>
      {keys.length === 0 ? (
        <p className="jp-mlops-hint">None.</p>
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
                <span className="jp-mlops-hint"> loading…</span>
              ))}
          </li>
        );
      })}
    </ul>
  );
}

async function register(model: IViewHost): Promise<void> {
  const detail = model.detail.run.value;
  if (!detail) {
    return;
  }
  const names = await model.registry.modelNames();
  const suggestion = (model.experimentName ?? detail.run.run_name)
    .replace(/\.ipynb$/, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_');
  const choice = await askRegisterChoice(names, detail.models, suggestion);
  if (!choice) {
    return;
  }
  const answer = await model.detail.register(
    detail.run.run_id,
    choice.name,
    choice.modelId
  );
  if (answer && (await showRegistered(answer))) {
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
        <p className="jp-mlops-hint">Loading the run…</p>
      </div>
    );
  }
  if (!detail) {
    return (
      <div className="jp-mlops-detail">
        {back}
        <p className="jp-mlops-error" role="alert">
          {view.run.error ?? 'No run selected.'}
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
        · started {formatTime(run.start_time)} ·{' '}
        {formatDuration(run.duration_ms)} · <code>{run.run_id}</code>
      </p>
      <div className="jp-mlops-actions">
        <button
          className="jp-mlops-button jp-mod-accept"
          disabled={reason !== null}
          title={
            reason ?? 'Register this run’s model in the MLflow model registry'
          }
          onClick={() => void register(model)}
        >
          Register model
        </button>
        {reason && <span className="jp-mlops-hint">{reason}</span>}
      </div>
      {registration && registration.version.run_id === run.run_id && (
        <p className="jp-mlops-success" role="status">
          Registered <strong>{registration.version.name}</strong> version{' '}
          <strong>{registration.version.version}</strong>.{' '}
          <button
            className="jp-mlops-link"
            onClick={() => void model.openRegistry(registration.version.name)}
          >
            Show in registry
          </button>
          {registration.version.ui_url && (
            <>
              {' · '}
              <a
                href={registration.version.ui_url}
                target="_blank"
                rel="noopener noreferrer"
              >
                Open in MLflow
              </a>
            </>
          )}
        </p>
      )}
      {metricKeys.length > 0 && (
        <section className="jp-mlops-section" aria-label="Metric history">
          <h3>
            Metric history{' '}
            <select
              aria-label="Metric to chart"
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
                label={`History of ${history.key}`}
                render={renderChart}
              />
              {history.sampled && (
                <p className="jp-mlops-hint">
                  Sampled {history.points.length} of {history.total_points}{' '}
                  points.
                </p>
              )}
            </>
          ) : (
            <p className="jp-mlops-hint">Loading history…</p>
          )}
        </section>
      )}
      <KeyValues title="Metrics" values={metrics} />
      <KeyValues title="Parameters" values={run.params} />
      <section className="jp-mlops-section" aria-label="Models">
        <h3>Logged models</h3>
        {detail.models.length === 0 ? (
          <p className="jp-mlops-hint">None.</p>
        ) : (
          <ul className="jp-mlops-plain-list">
            {detail.models.map(logged => (
              <li key={logged.model_id}>
                <code>{logged.model_uri}</code> ({logged.name}, {logged.status})
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
      <section className="jp-mlops-section" aria-label="Artifacts">
        <h3>Artifacts</h3>
        {detail.artifacts.length === 0 ? (
          <p className="jp-mlops-hint">No artifacts.</p>
        ) : (
          <ArtifactTree model={view} entries={detail.artifacts} />
        )}
      </section>
      <KeyValues title="Tags" values={run.tags} />
    </div>
  );
}
