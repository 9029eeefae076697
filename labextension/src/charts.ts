/**
 * Vega-Lite specifications for metric charts; JupyterLab's own Vega renderer draws them.
 */
import type { MetricHistory } from './contract';

/** The Vega-Lite MIME type JupyterLab's vega5 extension renders. */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** A Vega-Lite spec as plain JSON. */
export type VegaLiteSpec = { [key: string]: unknown };

/** A line per run of one metric's (sampled) history, by step; one run gives a single line. */
export function metricHistorySpec(key: string, histories: MetricHistory[], labels: Record<string, string>): VegaLiteSpec {
  const values = histories.flatMap(history =>
    history.points
      .filter(point => point.value !== null)
      .map(point => ({ run: labels[history.run_id] ?? history.run_id.slice(0, 8), step: point.step, value: point.value }))
  );
  const overlaid = histories.length > 1;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: `History of metric ${key}`,
    width: 'container',
    height: 180,
    autosize: { type: 'fit-x', contains: 'padding' },
    data: { values },
    mark: { type: 'line', point: values.length <= 60, tooltip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', title: key, scale: { zero: false } },
      ...(overlaid ? { color: { field: 'run', type: 'nominal', title: 'run' } } : {})
    }
  };
}
