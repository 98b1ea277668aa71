/**
 * The svg and png formats: one figure with the block (the NSC DAG, or the
 * NAS-Bench-201 cell with its edge ops) on the left and the whole network on
 * the right (consecutive IR nodes grouped by their id's first segment — stem,
 * each block, each pool, the head — with output shape and parameters).
 * dagre lays both out; the PNG is the same SVG rendered by resvg at 2x.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import dagre from '@dagrejs/dagre';
import { Resvg } from '@resvg/resvg-js';
import { type CheckedIr, INPUT_ID, type PictureKind, type SpacePicture, networkCost, runSpaceOf } from '../search-space/index.js';
import type { Exporter } from './exporter.js';
import type { ExportSubject } from './subject.js';

export const SVG_FILE = 'architecture.svg';
export const PNG_FILE = 'architecture.png';

type Graph = SpacePicture;
type GraphNode = Graph['nodes'][number];
type GraphEdge = Graph['edges'][number];

const FONT = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";
const FILL: Record<PictureKind, string> = { io: '#eceff4', conv: '#dbe9f6', pool: '#e3f1de', merge: '#fbe8cf', other: '#f2f2f2' };
const STROKE: Record<PictureKind, string> = { io: '#6b7280', conv: '#2f6ea6', pool: '#3f8a3a', merge: '#b7791f', other: '#777777' };

/** The block, as its search space draws it (an NSC block's layers, a NAS-Bench-201 cell's edge ops). */
export function blockGraph(subject: ExportSubject): Graph {
  const { entry, settings } = runSpaceOf(subject.run.config);
  return entry.picture(subject.candidate.nsc, settings);
}

const group = (id: string): string => id.split('/')[0]!;
const shapeText = (shape: readonly number[]): string => shape.join('×');

/** The network: consecutive nodes sharing their id's first segment form one box. */
export function networkGraph(checked: CheckedIr): Graph {
  const { ir, shapes } = checked;
  const cost = networkCost(checked);
  const paramsOf = new Map(cost.nodes.map((n) => [n.id, n.params]));
  const groups: { id: string; nodes: string[] }[] = [];
  for (const node of ir.nodes) {
    const g = group(node.id);
    if (groups.at(-1)?.id !== g) groups.push({ id: g, nodes: [] });
    groups.at(-1)!.nodes.push(node.id);
  }
  const groupOf = new Map<string, string>();
  const unique = new Map<string, number>();
  const nodes: GraphNode[] = [{ id: 'g:input', label: `input ${shapeText(ir.input.shape)}`, kind: 'io' }];
  groupOf.set(INPUT_ID, 'g:input');
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  for (const g of groups) {
    const seen = unique.get(g.id) ?? 0;
    unique.set(g.id, seen + 1);
    const key = `g:${g.id}${seen ? `#${seen + 1}` : ''}`;
    for (const id of g.nodes) groupOf.set(id, key);
    const last = g.nodes.at(-1)!;
    const params = g.nodes.reduce((sum, id) => sum + (paramsOf.get(id) ?? 0), 0);
    const ops = [...new Set(g.nodes.map((id) => byId.get(id)!.op))];
    const convs = g.nodes.filter((id) => byId.get(id)!.op === 'conv2d').length;
    const kind: GraphNode['kind'] = convs > 0 ? 'conv' : ops.every((o) => /pool/i.test(o)) ? 'pool' : 'other';
    const summary = g.nodes.length === 1 ? readableOp(ops[0]!) : `${g.nodes.length} layers${convs ? `, ${convs} conv` : ''}`;
    nodes.push({
      id: key,
      label: `${g.id}: ${summary}`,
      detail: `${shapeText(shapes.get(last)!)}${params ? ` · ${params.toLocaleString('en-US')} params` : ''}`,
      kind,
    });
  }
  const edges = new Map<string, GraphEdge>();
  for (const node of ir.nodes) {
    for (const input of node.inputs) {
      const [from, to] = [groupOf.get(input)!, groupOf.get(node.id)!];
      if (from !== to) edges.set(`${from}→${to}`, { from, to });
    }
  }
  const total = cost.params.toLocaleString('en-US');
  return { title: `Network · ${total} params · ${(cost.macs / 1e6).toFixed(2)}M mult-adds`, nodes, edges: [...edges.values()] };
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const textWidth = (s: string, size: number): number => s.length * size * 0.6;

/** dagre's bend points as one smooth curve: quadratic segments through the midpoints, ending exactly at the last point (where the arrow sits). */
function smoothPath(points: readonly { x: number; y: number }[]): string {
  const f = (p: { x: number; y: number }) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  if (points.length === 0) return '';
  const parts = [`M${f(points[0]!)}`];
  for (let i = 1; i < points.length - 1; i++) {
    const [p, q] = [points[i]!, points[i + 1]!];
    parts.push(`Q${f(p)} ${f({ x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 })}`);
  }
  if (points.length > 1) parts.push(`L${f(points.at(-1)!)}`);
  return parts.join(' ');
}

const readableOp = (op: string): string =>
  op
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase()
    .replace('conv2d', 'conv');

interface Panel {
  svg: string;
  width: number;
  height: number;
}

function drawGraph(graph: Graph): Panel {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 34, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) {
    const width = Math.max(textWidth(n.label, 13), n.detail ? textWidth(n.detail, 11) : 0) + 24;
    g.setNode(n.id, { width: Math.max(70, width), height: n.detail ? 44 : 30 });
  }
  for (const e of graph.edges)
    g.setEdge(e.from, e.to, e.label ? { label: e.label, width: textWidth(e.label, 11) + 8, height: 14, labelpos: 'c' } : {});
  dagre.layout(g);
  const info = g.graph();
  const titleHeight = 28;
  const width = Math.max(info.width ?? 100, textWidth(graph.title, 14) + 32);
  const parts: string[] = [
    `<text x="${(width / 2).toFixed(1)}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escape(graph.title)}</text>`,
  ];
  parts.push(`<g transform="translate(${((width - (info.width ?? 0)) / 2).toFixed(1)},${titleHeight})">`);
  for (const e of graph.edges) {
    const edge = g.edge(e.from, e.to) as { points?: { x: number; y: number }[]; x?: number; y?: number };
    const pts = edge.points ?? [];
    parts.push(`<path d="${smoothPath(pts)}" fill="none" stroke="#4b5563" stroke-width="1.2" marker-end="url(#arrow)"/>`);
    if (e.label && edge.x !== undefined && edge.y !== undefined) {
      parts.push(
        `<text x="${edge.x.toFixed(1)}" y="${(edge.y + 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#374151" paint-order="stroke" stroke="#ffffff" stroke-width="3">${escape(e.label)}</text>`,
      );
    }
  }
  for (const n of graph.nodes) {
    const p = g.node(n.id);
    const [x, y] = [p.x - p.width / 2, p.y - p.height / 2];
    parts.push(`<g class="layer" data-id="${escape(n.id)}">`);
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${p.width.toFixed(1)}" height="${p.height.toFixed(1)}" rx="6" fill="${FILL[n.kind]}" stroke="${STROKE[n.kind]}" stroke-width="1.2"/>`,
    );
    const labelY = n.detail ? p.y - 3 : p.y + 4.5;
    parts.push(`<text x="${p.x.toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="13">${escape(n.label)}</text>`);
    if (n.detail)
      parts.push(
        `<text x="${p.x.toFixed(1)}" y="${(p.y + 13).toFixed(1)}" text-anchor="middle" font-size="11" fill="#4b5563">${escape(n.detail)}</text>`,
      );
    parts.push('</g>');
  }
  parts.push('</g>');
  return { svg: parts.join('\n'), width, height: (info.height ?? 100) + titleHeight };
}

/** The whole figure as an SVG document. */
export function architectureSvg(subject: ExportSubject): string {
  const panels = [drawGraph(blockGraph(subject)), drawGraph(networkGraph(subject.checked))];
  const gap = 40;
  const header = 34;
  const width = panels.reduce((sum, p) => sum + p.width, 0) + gap * (panels.length + 1);
  const height = Math.max(...panels.map((p) => p.height)) + header + 20;
  const { run, candidate } = subject;
  const facts = [
    `run ${run.id}`,
    `candidate ${candidate.hash.slice(0, 12)}`,
    candidate.accuracy === null ? null : `accuracy ${(candidate.accuracy * 100).toFixed(2)}%`,
    candidate.reward === null ? null : `reward ${candidate.reward.toFixed(4)}`,
    subject.training?.accuracy == null ? null : `final accuracy ${(subject.training.accuracy * 100).toFixed(2)}%`,
  ]
    .filter(Boolean)
    .join(' · ');
  let x = gap;
  const body = panels.map((p) => {
    const out = `<g transform="translate(${x.toFixed(1)},${header})">\n${p.svg}\n</g>`;
    x += p.width + gap;
    return out;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="${FONT}">`,
    `<title>${escape(`${candidate.nsc} (${facts})`)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#4b5563"/></marker></defs>',
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${gap}" y="22" font-size="12" fill="#4b5563">${escape(facts)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** The figure rendered at `scale` (2 = print quality at the SVG's size). */
export function architecturePng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  return Buffer.from(resvg.render().asPng());
}

export const svgExporter: Exporter = {
  format: 'svg',
  description: `${SVG_FILE}: the block as a DAG and the whole network by stage`,
  weights: 'none',
  files: { [SVG_FILE]: 'figure: the block as a DAG and the network by stage' },
  async write(subject, dir) {
    await writeFile(path.join(dir, SVG_FILE), architectureSvg(subject));
    return [SVG_FILE];
  },
};

export const pngExporter: Exporter = {
  format: 'png',
  description: `${PNG_FILE}: the svg figure rendered at 2x`,
  weights: 'none',
  files: { [PNG_FILE]: 'figure: the svg rendered at 2x' },
  async write(subject, dir) {
    await writeFile(path.join(dir, PNG_FILE), architecturePng(architectureSvg(subject)));
    return [PNG_FILE];
  },
};
