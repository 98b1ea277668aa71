/**
 * Graphs for the page, derived from what the search space defines: an NSC
 * block (BlockQNN's layers and predecessors, Zhong et al. CVPR 2018 Table 1)
 * or a NAS-Bench-201 cell (ops on the edges of a 4-node DAG, drawn with each
 * op as a node), the full network IR folded by scope, and the exact cost of
 * every IR node from networkCost. Layout happens in the browser (dagre).
 */
import {
  EXTRA_LAYER_TYPE_NAMES, LAYER_TYPE_NAMES, LayerType, NB201_EDGES, checkIr, inputsOf, networkCost, outputLayers, parseNb201, parseNsc,
  type NetworkIr,
} from '../search-space/index.js';
import type { BlockGraph, GraphNode, NodeCostRow } from './api-types.js';

export type SpaceName = 'nsc' | 'nasbench201';

const NSC_KIND: Record<number, string> = { 1: 'conv', 2: 'pool', 3: 'pool', 4: 'identity', 5: 'merge', 6: 'merge' };

function nscBlockGraph(code: string): BlockGraph {
  const block = parseNsc(code, { maxIndex: 64, extraTypes: EXTRA_LAYER_TYPE_NAMES });
  const nodes: GraphNode[] = [{ id: 'L0', label: 'input', kind: 'io' }];
  const edges: BlockGraph['edges'] = [];
  for (const layer of block) {
    if (layer.type === LayerType.terminal) continue;
    const name = LAYER_TYPE_NAMES[layer.type];
    const label = layer.kernel > 0 ? `${name} ${layer.kernel}×${layer.kernel}` : name;
    nodes.push({ id: `L${layer.index}`, label, kind: NSC_KIND[layer.type] ?? 'other', detail: `layer ${layer.index}: (${layer.index},${layer.type},${layer.kernel},${layer.pred1},${layer.pred2})` });
    for (const p of inputsOf(layer)) edges.push({ from: `L${p}`, to: `L${layer.index}` });
  }
  nodes.push({ id: 'out', label: 'output (concat)', kind: 'io' });
  for (const l of outputLayers(block)) edges.push({ from: `L${l.index}`, to: 'out' });
  return { nodes, edges };
}

const NB201_KIND: Record<string, string> = { skip_connect: 'identity', nor_conv_1x1: 'conv', nor_conv_3x3: 'conv', avg_pool_3x3: 'pool' };

function nb201BlockGraph(code: string): BlockGraph {
  const cell = parseNb201(code);
  const names = ['input', 'node 1', 'node 2', 'output'];
  const nodes: GraphNode[] = names.map((label, i) => ({ id: `n${i}`, label, kind: i === 0 || i === 3 ? 'io' : 'merge', detail: i > 0 ? 'sum of incoming edges' : undefined }) as GraphNode);
  const edges: BlockGraph['edges'] = [];
  NB201_EDGES.forEach(([to, from], i) => {
    const op = cell[i]!;
    if (op === 'none') return;
    const id = `e${from}${to}`;
    nodes.push({ id, label: op.replace('nor_', '').replace('_connect', ''), kind: NB201_KIND[op] ?? 'other', detail: `edge ${from}→${to}: ${op}` });
    edges.push({ from: `n${from}`, to: id }, { from: id, to: `n${to}` });
  });
  return { nodes, edges };
}

/** The block (or cell) of a candidate as a DAG, or null when its code does not parse. */
export function blockGraph(space: SpaceName, code: string): BlockGraph | null {
  try {
    return space === 'nasbench201' ? nb201BlockGraph(code) : nscBlockGraph(code);
  } catch {
    return null;
  }
}

/** The layer types (NSC) or edge ops (NAS-Bench-201) a candidate samples, for the policy-shift chart. */
export function layerTypes(space: SpaceName, code: string): string[] {
  try {
    if (space === 'nasbench201') return [...parseNb201(code)];
    return parseNsc(code, { maxIndex: 64, extraTypes: EXTRA_LAYER_TYPE_NAMES }).filter((l) => l.type !== LayerType.terminal).map((l) => LAYER_TYPE_NAMES[l.type]);
  } catch {
    return [];
  }
}

const scopeOf = (id: string): string => id.split('/')[0]!;

/** Exact per-node cost rows and the network folded by scope (stem, s1b1, pool1, ..., head) with MACs per scope. */
export function networkView(ir: NetworkIr): { network: BlockGraph; costs: NodeCostRow[]; totals: { params: number; macs: number } } {
  const checked = checkIr(ir);
  const cost = networkCost(checked);
  const costs: NodeCostRow[] = cost.nodes.map((n) => ({ id: n.id, op: n.op, scope: scopeOf(n.id), outputShape: [...n.outputShape], params: n.params, macs: n.macs }));
  const scopes = new Map<string, { macs: number; params: number; nodes: number; shape: number[] }>();
  for (const row of costs) {
    const s = scopes.get(row.scope) ?? { macs: 0, params: 0, nodes: 0, shape: row.outputShape };
    s.macs += row.macs;
    s.params += row.params;
    s.nodes++;
    s.shape = row.outputShape;
    scopes.set(row.scope, s);
  }
  const edgeKeys = new Set<string>();
  const edges: BlockGraph['edges'] = [];
  const link = (from: string, to: string) => {
    if (from === to || edgeKeys.has(`${from}>${to}`)) return;
    edgeKeys.add(`${from}>${to}`);
    edges.push({ from, to });
  };
  for (const node of checked.ir.nodes) for (const input of node.inputs) link(input === 'input' ? 'input' : scopeOf(input), scopeOf(node.id));
  const kindOf = (scope: string) => (/^s\d+[bc]\d+$/.test(scope) ? 'conv' : /pool|reduce/.test(scope) ? 'pool' : 'other');
  const nodes: GraphNode[] = [{ id: 'input', label: `input ${ir.input.shape.join('×')}`, kind: 'io' }];
  for (const [scope, s] of scopes) {
    nodes.push({ id: scope, label: s.macs > 0 ? `${scope} · ${formatCount(s.macs)} MACs` : scope, kind: kindOf(scope), detail: `${s.nodes} nodes · ${formatCount(s.macs)} MACs · ${formatCount(s.params)} params · out ${s.shape.join('×')}` });
  }
  return { network: { nodes, edges }, costs, totals: { params: cost.params, macs: cost.macs } };
}

function formatCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}
