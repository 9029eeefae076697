/**
 * Hosts a Vega-Lite chart drawn by JupyterLab's rendermime Vega renderer.
 */
import React, { useLayoutEffect, useMemo, useRef } from 'react';

import { ChartRenderer, metricHistorySpec, VegaLiteSpec } from '../charts';

export type { ChartRenderer };
import type { MetricHistory } from '../contract';

export interface IChartProps {
  spec: VegaLiteSpec;
  render: ChartRenderer;
  label: string;
}

/** A chart that is redrawn when its spec changes. */
export function Chart({ spec, render, label }: IChartProps): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  // A layout effect: its cleanup runs while the host is still in the document, as Lumino's detach needs.
  useLayoutEffect(
    () => (host.current ? render(spec, host.current) : undefined),
    [spec, render]
  );
  return (
    <div className="jp-mlops-chart" ref={host} role="img" aria-label={label} />
  );
}

/** One metric's history, one line per run; redrawn only when the histories change. */
export function MetricChart({
  metricKey,
  histories,
  labels,
  render,
  label
}: {
  metricKey: string;
  histories: MetricHistory[];
  labels: Record<string, string>;
  render: ChartRenderer;
  label: string;
}): JSX.Element {
  const identity = histories
    .map(history => `${history.run_id}/${history.key}/${history.total_points}`)
    .join(',');
  const spec = useMemo(
    () => metricHistorySpec(metricKey, histories, labels),
    // Histories and labels are new arrays on each render; `identity` says when they really changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [metricKey, identity]
  );
  return <Chart spec={spec} render={render} label={label} />;
}
