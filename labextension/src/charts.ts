/**
 * Vega-Lite specifications for metric charts; JupyterLab's own Vega renderer draws them.
 */
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { MetricHistory } from './contract';
import { untranslated } from './translation';

/** The Vega-Lite MIME type JupyterLab's vega5 extension renders. */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** A Vega-Lite spec as plain JSON. */
export type VegaLiteSpec = { [key: string]: unknown };

/** Draws `spec` into `host` (synchronously attached); the returned function removes the chart. */
export type ChartRenderer = (
  spec: VegaLiteSpec,
  host: HTMLElement
) => () => void;

/** A line per run of one metric's (sampled) history, by step; one run gives a single line. */
export function metricHistorySpec(
  key: string,
  histories: MetricHistory[],
  labels: Record<string, string>
): VegaLiteSpec {
  const values = histories.flatMap(history =>
    history.points
      .filter(point => point.value !== null)
      .map(point => ({
        run: labels[history.run_id] ?? history.run_id.slice(0, 8),
        step: point.step,
        value: point.value
      }))
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
      y: {
        field: 'value',
        type: 'quantitative',
        title: key,
        scale: { zero: false }
      },
      ...(overlaid
        ? { color: { field: 'run', type: 'nominal', title: 'run' } }
        : {})
    }
  };
}

/** Draw Vega-Lite specs with JupyterLab's own Vega renderer (the vega5 mime extension). */
export function chartRendererFrom(
  rendermime: IRenderMimeRegistry,
  trans: TranslationBundle = untranslated
): ChartRenderer {
  return (spec, host) => {
    if (!rendermime.mimeTypes.includes(VEGALITE_MIME)) {
      host.textContent = trans.__(
        'Charts need JupyterLab’s Vega renderer (@jupyterlab/vega5-extension), which is disabled.'
      );
      return () => (host.textContent = '');
    }
    const renderer = rendermime.createRenderer(VEGALITE_MIME);
    Widget.attach(renderer, host);
    // The renderer's own node does not stretch, so "container" width is resolved here from the host.
    const sized =
      spec.width === 'container'
        ? { ...spec, width: Math.max(200, host.clientWidth - 90) }
        : spec;
    renderer
      .renderModel(
        new MimeModel({
          data: { [VEGALITE_MIME]: sized as any },
          trusted: true
        })
      )
      .catch(error => {
        console.error('jupyter-mlops: chart failed', error);
        host.textContent = trans.__('The chart could not be drawn.');
      });
    return () => renderer.dispose();
  };
}
