/**
 * Hosts a Vega-Lite chart drawn by JupyterLab's rendermime Vega renderer.
 */
import React, { useEffect, useRef } from 'react';

import type { VegaLiteSpec } from '../charts';

/** Draws `spec` into `host`; the returned function removes the chart. */
export type ChartRenderer = (spec: VegaLiteSpec, host: HTMLElement) => Promise<() => void>;

export interface IChartProps {
  spec: VegaLiteSpec;
  render: ChartRenderer;
  label: string;
}

/** A chart that is redrawn when its spec changes. */
export function Chart({ spec, render, label }: IChartProps): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let cancelled = false;
    let remove: (() => void) | null = null;
    if (host.current) {
      render(spec, host.current)
        .then(dispose => {
          if (cancelled) {
            dispose();
          } else {
            remove = dispose;
          }
        })
        .catch(error => console.error('jupyter-mlops: chart failed', error));
    }
    return () => {
      cancelled = true;
      remove?.();
    };
  }, [spec, render]);
  return <div className="jp-mlops-chart" ref={host} role="img" aria-label={label} />;
}
