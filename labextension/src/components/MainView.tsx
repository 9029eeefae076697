/**
 * A main-area tab: one run, a comparison or the registry, with room to read them.
 */
import React from 'react';

import type { MainViewModel } from '../models/mainView';
import type { ChartRenderer } from './Chart';
import { CompareView } from './Compare';
import { RegistryView } from './Registry';
import { RunDetailView } from './RunDetail';

export function MainView({
  model,
  renderChart
}: {
  model: MainViewModel;
  renderChart: ChartRenderer;
}): JSX.Element {
  const view = model.request.view;
  return (
    <div className={`jp-mlops-main jp-mlops-main-${view}`}>
      {view === 'run' ? (
        <RunDetailView model={model} renderChart={renderChart} />
      ) : view === 'compare' ? (
        <CompareView model={model} renderChart={renderChart} />
      ) : (
        <RegistryView model={model} />
      )}
    </div>
  );
}
