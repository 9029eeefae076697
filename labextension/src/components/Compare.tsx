/**
 * Selected runs side by side: the params and metrics that differ, and one metric overlaid.
 */
import React, { useState } from 'react';

import { formatMetric } from '../format';
import type { IViewHost } from '../models/mainView';
import { useTrans } from '../translation';
import { ChartRenderer, MetricChart } from './Chart';
import { ViewBar } from './ViewBar';

export function CompareView({
  model,
  renderChart
}: {
  model: IViewHost;
  renderChart: ChartRenderer;
}): JSX.Element {
  const trans = useTrans();
  const [showAll, setShowAll] = useState(false);
  const view = model.compare;
  const comparison = view.comparison.value;
  const back = (
    <ViewBar
      host={model}
      request={
        comparison
          ? {
              view: 'compare',
              runIds: comparison.runs.map(run => run.run_id)
            }
          : null
      }
    />
  );
  if (view.comparison.isLoading || !comparison) {
    return (
      <div className="jp-mlops-detail">
        {back}
        {view.comparison.error ? (
          <p className="jp-mlops-error" role="alert">
            {view.comparison.error}
          </p>
        ) : (
          <p className="jp-mlops-hint">{trans.__('Comparing runs…')}</p>
        )}
      </div>
    );
  }
  const labels: Record<string, string> = {};
  comparison.runs.forEach(
    run => (labels[run.run_id] = run.run_name || run.run_id.slice(0, 8))
  );
  const params = showAll ? comparison.param_keys : comparison.differing_params;
  const metrics = showAll
    ? comparison.metric_keys
    : comparison.differing_metrics;
  const metricKey = view.chart.key;
  const histories = view.chart.history.value ?? [];
  return (
    <div className="jp-mlops-detail">
      {back}
      <h2 className="jp-mlops-title">
        {trans.__('Compare %1 runs', comparison.runs.length)}
      </h2>
      <label className="jp-mlops-hint">
        <input
          type="checkbox"
          checked={showAll}
          onChange={() => setShowAll(!showAll)}
        />{' '}
        {trans.__('Show values that are the same too')}
      </label>
      <div className="jp-mlops-scroll-x">
        <table
          className="jp-mlops-compare"
          aria-label={trans.__('Differences between runs')}
        >
          <thead>
            <tr>
              <th />
              {comparison.runs.map(run => (
                <th key={run.run_id} scope="col">
                  <button
                    className="jp-mlops-link"
                    onClick={() => void model.openRun(run.run_id)}
                  >
                    {labels[run.run_id]}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {params.length === 0 && metrics.length === 0 && (
              <tr>
                <td colSpan={comparison.runs.length + 1}>
                  {trans.__('No params or metrics differ.')}
                </td>
              </tr>
            )}
            {params.map(key => (
              <tr key={`p:${key}`}>
                <th scope="row">{trans.__('param %1', key)}</th>
                {comparison.runs.map(run => (
                  <td key={run.run_id}>{run.params[key] ?? '–'}</td>
                ))}
              </tr>
            ))}
            {metrics.map(key => (
              <tr key={`m:${key}`}>
                <th scope="row">{trans.__('metric %1', key)}</th>
                {comparison.runs.map(run => (
                  <td key={run.run_id}>{formatMetric(run.metrics[key])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {comparison.metric_keys.length > 0 && (
        <section
          className="jp-mlops-section"
          aria-label={trans.__('Overlaid metric')}
        >
          <h3>
            {trans.__('Overlaid metric')}{' '}
            <select
              aria-label={trans.__('Metric to overlay')}
              value={metricKey ?? ''}
              onChange={event => void view.selectMetric(event.target.value)}
            >
              {comparison.metric_keys.map(key => (
                <option key={key} value={key}>
                  {key}
                </option>
              ))}
            </select>
          </h3>
          {histories.length > 0 && histories[0].key === metricKey ? (
            <MetricChart
              metricKey={metricKey}
              histories={histories}
              labels={labels}
              label={trans.__('%1 of the compared runs', metricKey)}
              render={renderChart}
            />
          ) : (
            <p className="jp-mlops-hint">{trans.__('Loading histories…')}</p>
          )}
        </section>
      )}
    </div>
  );
}
