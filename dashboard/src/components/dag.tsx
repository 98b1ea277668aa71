/** A block drawn as a DAG: dagre lays it out (top to bottom), the page draws SVG. */
import dagre from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type { BlockGraph } from '../../../src/server/api-types.js';

interface Placed {
  nodes: { id: string; label: string; kind: string; detail?: string; x: number; y: number; w: number; h: number }[];
  edges: { points: { x: number; y: number }[]; label?: string }[];
  width: number;
  height: number;
}

function layout(graph: BlockGraph, compact: boolean): Placed {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: compact ? 14 : 22, ranksep: compact ? 22 : 30, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: Math.max(56, n.label.length * 7 + 20), height: compact ? 24 : 28 });
  for (const e of graph.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const nodes = graph.nodes.map((n) => {
    const p = g.node(n.id);
    return { ...n, x: p.x, y: p.y, w: p.width, h: p.height };
  });
  const edges = graph.edges.map((e) => ({ points: g.edge(e.from, e.to)?.points ?? [], ...(e.label ? { label: e.label } : {}) }));
  const info = g.graph();
  return { nodes, edges, width: info.width ?? 100, height: info.height ?? 100 };
}

export function Dag({ graph, compact = false, maxHeight }: { graph: BlockGraph; compact?: boolean; maxHeight?: number }) {
  const placed = useMemo(() => layout(graph, compact), [graph, compact]);
  const path = (pts: { x: number; y: number }[]) => pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
  return (
    <svg
      class="dag"
      role="img"
      aria-label={`block graph with ${graph.nodes.length} nodes`}
      viewBox={`0 0 ${placed.width} ${placed.height}`}
      width="100%"
      style={{ maxWidth: `${placed.width * (compact ? 1.1 : 1.4)}px`, maxHeight: maxHeight ? `${maxHeight}px` : undefined }}
    >
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" class="dag-arrow" />
        </marker>
      </defs>
      {placed.edges.map((e, i) => (
        <path key={i} d={path(e.points)} class="dag-edge" marker-end="url(#arrow)" />
      ))}
      {placed.nodes.map((n) => (
        <g key={n.id} class={`dag-node kind-${n.kind}`} transform={`translate(${n.x - n.w / 2},${n.y - n.h / 2})`}>
          <title>{n.detail ?? n.label}</title>
          <rect width={n.w} height={n.h} rx="6" />
          <text x={n.w / 2} y={n.h / 2} dominant-baseline="central" text-anchor="middle">
            {n.label}
          </text>
        </g>
      ))}
    </svg>
  );
}
