/**
 * The panel's frame: connected store, the notebook's experiment, tabs, and the current view.
 */
import React from 'react';

import type { PanelModel } from '../models/panel';
import { useTrans } from '../translation';
import type { ChartRenderer } from './Chart';
import { CompareView } from './Compare';
import { ConvertView } from './Convert';
import { RegistryView } from './Registry';
import { RunDetailView } from './RunDetail';
import { RunsTable } from './RunsTable';
import { FleetView } from './Fleet';
import { SchedulesView } from './Schedules';

function StoreLine({ model }: { model: PanelModel }): JSX.Element {
  const trans = useTrans();
  if (model.config.error) {
    return (
      <div className="jp-mlops-error" role="alert">
        {model.config.error}{' '}
        <button className="jp-mlops-link" onClick={() => void model.start()}>
          {trans.__('Retry')}
        </button>
      </div>
    );
  }
  const config = model.config.value;
  if (!config) {
    return (
      <div className="jp-mlops-store jp-mlops-hint">
        {trans.__('Connecting…')}
      </div>
    );
  }
  return (
    <div
      className="jp-mlops-store"
      title={trans.__(
        'Tracking %1 · registry %2 · MLflow %3',
        config.tracking_uri,
        config.registry_uri,
        config.mlflow_version
      )}
    >
      {trans.__('Store:')} <code>{config.tracking_uri}</code> (
      {config.store_kind})
      {config.ui_url && (
        <>
          {' · '}
          <a href={config.ui_url} target="_blank" rel="noopener noreferrer">
            {trans.__('MLflow UI')}
          </a>
        </>
      )}
    </div>
  );
}

function RunsArea({
  model,
  renderChart
}: {
  model: PanelModel;
  renderChart: ChartRenderer;
}): JSX.Element {
  const trans = useTrans();
  const runs = model.runs;
  if (!runs.notebookPath) {
    return (
      <p className="jp-mlops-hint jp-mlops-padded">
        {trans.__('Open a notebook to see the runs of its MLflow experiment.')}
      </p>
    );
  }
  const heading = (
    <div className="jp-mlops-experiment" title={runs.notebookPath}>
      {trans.__('Experiment:')}{' '}
      <strong>{runs.experimentName ?? runs.notebookPath}</strong>
    </div>
  );
  if (runs.experimentError) {
    return (
      <>
        {heading}
        <p className="jp-mlops-error jp-mlops-padded" role="alert">
          {runs.experimentError}{' '}
          <button
            className="jp-mlops-link"
            onClick={() => void runs.retryExperiment()}
          >
            {trans.__('Retry')}
          </button>
        </p>
      </>
    );
  }
  if (!runs.experiment) {
    return (
      <>
        {heading}
        {!runs.experimentLoaded ? (
          <p className="jp-mlops-hint jp-mlops-padded">
            {trans.__('Looking for the experiment…')}
          </p>
        ) : (
          <div className="jp-mlops-padded">
            <p className="jp-mlops-hint">
              {trans.__('No runs yet. Runs logged inside')}{' '}
              <code>with jupyter_mlops.start_run():</code>{' '}
              {trans.__('in this notebook appear here.')}
            </p>
            <button
              className="jp-mlops-button"
              onClick={() => void runs.createExperiment()}
            >
              {trans.__('Create experiment')}
            </button>
          </div>
        )}
      </>
    );
  }
  switch (model.view) {
    case 'detail':
      return (
        <>
          {heading}
          <RunDetailView model={model} renderChart={renderChart} />
        </>
      );
    case 'compare':
      return (
        <>
          {heading}
          <CompareView model={model} renderChart={renderChart} />
        </>
      );
    default:
      return (
        <>
          {heading}
          <RunsTable model={model} />
        </>
      );
  }
}

export function Panel({
  model,
  renderChart,
  onConvert
}: {
  model: PanelModel;
  renderChart: ChartRenderer;
  /** Run the Convert to Production command (its dialog, then this panel's convert view). */
  onConvert: () => void;
}): JSX.Element {
  const trans = useTrans();
  const onRegistry = model.view === 'registry';
  const onProduction = model.view === 'convert';
  const onSchedules = model.view === 'schedules';
  const onFleet = model.view === 'fleet';
  return (
    <div
      className="jp-mlops-panel-body"
      data-views-open-in={
        model.settings.openViewsInMainArea ? 'tabs' : 'sidebar'
      }
    >
      <header className="jp-mlops-header-bar">
        <h2 className="jp-mlops-panel-title">{trans.__('MLOps')}</h2>
        <StoreLine model={model} />
        <nav
          className="jp-mlops-tabs"
          role="tablist"
          aria-label={trans.__('MLOps views')}
        >
          <button
            role="tab"
            aria-selected={
              !onRegistry && !onProduction && !onSchedules && !onFleet
            }
            className="jp-mlops-tab"
            onClick={() => model.showRuns()}
          >
            {trans.__('Runs')}
          </button>
          <button
            role="tab"
            aria-selected={onRegistry}
            className="jp-mlops-tab"
            onClick={() =>
              void model.openRegistry(model.registry.openModelName)
            }
          >
            {trans.__('Registry')}
          </button>
          <button
            role="tab"
            aria-selected={onProduction}
            className="jp-mlops-tab"
            onClick={() => model.showConvert()}
          >
            {trans.__('Production')}
          </button>
          <button
            role="tab"
            aria-selected={onSchedules}
            className="jp-mlops-tab"
            onClick={() => void model.showSchedules()}
          >
            Schedules
          </button>
          <button
            role="tab"
            aria-selected={onFleet}
            className="jp-mlops-tab"
            onClick={() => model.showFleet()}
          >
            Fleet
          </button>
        </nav>
      </header>
      <div className="jp-mlops-content">
        {onFleet ? (
          <FleetView model={model} />
        ) : onSchedules ? (
          <SchedulesView model={model} />
        ) : onProduction ? (
          <ConvertView model={model} onConvert={onConvert} />
        ) : onRegistry ? (
          <RegistryView model={model} />
        ) : (
          <RunsArea model={model} renderChart={renderChart} />
        )}
      </div>
    </div>
  );
}
