/**
 * Where the step graph's boxes and arrows go: steps in layers (a step sits one layer below the last step
 * it runs after), each layer a row in execution order; arrows from a step to the steps that need it.
 */
import type { PlannedStep } from '../contract';

export const NODE_WIDTH = 120;
export const NODE_HEIGHT = 28;
const COLUMN_GAP = 16;
const ROW_GAP = 44;
const MARGIN = 8;

export interface IGraphNode {
  name: string;
  kind: string;
  x: number;
  y: number;
  layer: number;
}

export interface IGraphEdge {
  from: string;
  to: string;
  /** The values handed on (empty for a `prev:`-only link). */
  names: string[];
  prev: boolean;
  /** SVG path from the bottom of `from` to the top of `to`. */
  path: string;
  labelX: number;
  labelY: number;
}

export interface IGraphLayout {
  nodes: IGraphNode[];
  edges: IGraphEdge[];
  width: number;
  height: number;
}

/** Lay out `steps` (in execution order, as the server answers them). */
export function layoutGraph(steps: readonly PlannedStep[]): IGraphLayout {
  const layerOf = new Map<string, number>();
  for (const step of steps) {
    const above = step.after
      .map(link => layerOf.get(link.step))
      .filter((layer): layer is number => layer !== undefined);
    layerOf.set(step.name, above.length ? Math.max(...above) + 1 : 0);
  }
  const columns = new Map<number, number>();
  const nodes: IGraphNode[] = steps.map(step => {
    const layer = layerOf.get(step.name) ?? 0;
    const column = columns.get(layer) ?? 0;
    columns.set(layer, column + 1);
    return {
      name: step.name,
      kind: step.kind,
      layer,
      x: MARGIN + column * (NODE_WIDTH + COLUMN_GAP),
      y: MARGIN + layer * (NODE_HEIGHT + ROW_GAP)
    };
  });
  const byName = new Map(nodes.map(node => [node.name, node]));
  const edges: IGraphEdge[] = [];
  for (const step of steps) {
    const target = byName.get(step.name);
    for (const link of step.after) {
      const source = byName.get(link.step);
      if (!source || !target) {
        continue;
      }
      const x1 = source.x + NODE_WIDTH / 2;
      const y1 = source.y + NODE_HEIGHT;
      const x2 = target.x + NODE_WIDTH / 2;
      const y2 = target.y;
      const bend = (y2 - y1) / 2;
      edges.push({
        from: link.step,
        to: step.name,
        names: link.names,
        prev: link.prev,
        path: `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`,
        labelX: (x1 + x2) / 2,
        labelY: (y1 + y2) / 2
      });
    }
  }
  const widest = Math.max(0, ...columns.values());
  const layers = Math.max(0, ...nodes.map(node => node.layer + 1));
  return {
    nodes,
    edges,
    width:
      2 * MARGIN + widest * NODE_WIDTH + Math.max(0, widest - 1) * COLUMN_GAP,
    height:
      2 * MARGIN + layers * NODE_HEIGHT + Math.max(0, layers - 1) * ROW_GAP
  };
}
