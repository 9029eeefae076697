/**
 * The step graph of the active notebook, as nb2prod plans it: a box per step (coloured like its gutter),
 * an arrow per dependency (solid: values handed on, named on the arrow; dashed: a `prev:` tag), and nb2prod's
 * messages about the tags with a link to their cell.
 */
import React from 'react';

import type { ConversionRefusal, PipelinePlanResponse } from '../contract';
import { refusalPlace } from '../models/convert';
import { useTrans } from '../translation';
import {
  IGraphLayout,
  layoutGraph,
  NODE_HEIGHT,
  NODE_WIDTH
} from '../models/graphLayout';

const FALLBACK_COLOR = '#7f7f7f';

export interface IPipelineGraphProps {
  notebook: string | null;
  plan: PipelinePlanResponse | null;
  lastGraph: PipelinePlanResponse | null;
  pending: boolean;
  error: string | null;
  colors: Map<string, string>;
  onReveal: (cellIndex: number, line: number | null) => void;
}

function edgeLabel(names: string[], prev: boolean): string {
  const text = names.join(', ');
  return prev ? (text ? `${text} · prev` : 'prev') : text;
}

function GraphSvg(props: {
  layout: IGraphLayout;
  graph: PipelinePlanResponse;
  colors: Map<string, string>;
  stale: boolean;
  onReveal: (cellIndex: number, line: number | null) => void;
}): JSX.Element {
  const { layout, graph, colors, stale } = props;
  const trans = useTrans();
  const cellsOf = new Map(graph.steps.map(step => [step.name, step.cells]));
  return (
    <svg
      className={`jp-mlops-Graph-svg${stale ? ' jp-mod-stale' : ''}`}
      width={layout.width}
      height={layout.height}
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      role="img"
      aria-label={trans.__('Step graph')}
    >
      <defs>
        <marker
          id="jp-mlops-arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="6"
          markerHeight="6"
          orient="auto-start-reverse"
        >
          <path
            d="M 0 0 L 10 5 L 0 10 z"
            className="jp-mlops-Graph-arrowHead"
          />
        </marker>
      </defs>
      {layout.edges.map(edge => (
        <g
          key={`${edge.from}->${edge.to}`}
          className="jp-mlops-Graph-edge"
          data-from={edge.from}
          data-to={edge.to}
        >
          <path
            d={edge.path}
            className={edge.prev && !edge.names.length ? 'jp-mod-prev' : ''}
            markerEnd="url(#jp-mlops-arrow)"
          />
          <text x={edge.labelX + 4} y={edge.labelY + 4}>
            {edgeLabel(edge.names, edge.prev)}
          </text>
        </g>
      ))}
      {layout.nodes.map(node => {
        const first = cellsOf.get(node.name)?.[0];
        return (
          <g
            key={node.name}
            className="jp-mlops-Graph-node"
            data-step={node.name}
            transform={`translate(${node.x}, ${node.y})`}
            onClick={() => first !== undefined && props.onReveal(first, null)}
          >
            <title>
              {trans.__(
                '%1 (%2) — cells %3',
                node.name,
                node.kind,
                (cellsOf.get(node.name) ?? []).join(', ')
              )}
            </title>
            <rect
              width={NODE_WIDTH}
              height={NODE_HEIGHT}
              rx={5}
              style={{ stroke: colors.get(node.name) ?? FALLBACK_COLOR }}
            />
            <rect
              width={6}
              height={NODE_HEIGHT}
              rx={2}
              style={{ fill: colors.get(node.name) ?? FALLBACK_COLOR }}
            />
            <text x={12} y={NODE_HEIGHT / 2 + 4}>
              {node.name.length > 15 ? `${node.name.slice(0, 14)}…` : node.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function Issue(props: {
  issue: ConversionRefusal;
  onReveal: (cellIndex: number, line: number | null) => void;
}): JSX.Element {
  const { issue } = props;
  const trans = useTrans();
  const place = refusalPlace(issue, trans);
  return (
    <li className="jp-mlops-Graph-issue">
      <span>{issue.message}</span>
      {place && issue.cell_index !== null ? (
        <button
          type="button"
          className="jp-mlops-link"
          onClick={() => props.onReveal(issue.cell_index as number, issue.line)}
        >
          {trans.__('Go to %1', place)}
        </button>
      ) : null}
    </li>
  );
}

export function PipelineGraph(props: IPipelineGraphProps): JSX.Element {
  const { plan, lastGraph, pending, error } = props;
  const trans = useTrans();
  if (!props.notebook) {
    return (
      <p className="jp-mlops-Graph-empty">
        {trans.__('Open a notebook to see its pipeline.')}
      </p>
    );
  }
  const graph = plan?.planned ? plan : lastGraph;
  const stale = graph !== null && graph !== plan;
  const layout = graph ? layoutGraph(graph.steps) : null;
  let status = trans.__('Planning…');
  if (error) {
    status = error;
  } else if (plan && !plan.planned) {
    status = trans._n(
      'nb2prod cannot convert it as tagged (%1 issue)',
      'nb2prod cannot convert it as tagged (%1 issues)',
      plan.issues.length
    );
  } else if (plan) {
    status =
      trans._n('%1 step', '%1 steps', plan.steps.length) +
      (plan.model_variable ? trans.__(', model: %1', plan.model_variable) : '');
  }
  return (
    <div className="jp-mlops-Graph" data-pending={pending}>
      <div className="jp-mlops-Graph-status" role="status">
        {status}
        {pending && plan ? trans.__(' · updating…') : ''}
      </div>
      {plan && !plan.planned ? (
        <ul className="jp-mlops-Graph-issues">
          {plan.issues.map((issue, index) => (
            <Issue key={index} issue={issue} onReveal={props.onReveal} />
          ))}
        </ul>
      ) : null}
      {graph && layout ? (
        <>
          {stale ? (
            <p className="jp-mlops-Graph-note">
              {trans.__(
                'The last graph nb2prod could plan, until the issues are fixed:'
              )}
            </p>
          ) : null}
          <div className="jp-mlops-Graph-scroll">
            <GraphSvg
              layout={layout}
              graph={graph}
              colors={props.colors}
              stale={stale}
              onReveal={props.onReveal}
            />
          </div>
          <p className="jp-mlops-Graph-legend">
            {trans.__('Solid arrows: values a step hands on. Dashed: a')}{' '}
            <code>prev:</code>{' '}
            {trans.__(
              'tag. Parameters: %1.',
              graph.parameters.join(', ') || trans.__('none')
            )}
          </p>
        </>
      ) : null}
    </div>
  );
}
