/**
 * Graphs for the page, derived from what the search space defines: the block
 * or cell its registry entry draws (search-space/spaces/), the full network IR folded by scope, and the exact cost of
 * every IR node from networkCost. Layout happens in the browser (dagre).
 */
import { type NetworkIr, checkIr, networkCost, searchSpaces } from '../search-space/index.js';
import type { BlockGraph, GraphNode, NodeCostRow } from './api-types.js';

/** A run's space name (the search-space registry's, search-space/spaces/). */
export type SpaceName = string;

/** The block (or cell) of a candidate as a DAG, or null when its code does not parse. */
export function blockGraph(space: SpaceName, code: string): BlockGraph | null {
  try {
    return searchSpaces.get(space).blockGraph(code, {});
  } catch {
    return null;
  }
}

/** The layer types (NSC) or edge ops (NAS-Bench-201) a candidate samples, for the policy-shift chart. */
export function layerTypes(space: SpaceName, code: string): string[] {
  try {
    return searchSpaces.get(space).layerTypes(code, {});
  } catch {
    return [];
  }
}

const scopeOf = (id: string): string => id.split('/')[0]!;

/** Exact per-node cost rows and the network folded by scope (stem, s1b1, pool1, ..., head) with MACs per scope. */
export function networkView(ir: NetworkIr): { network: BlockGraph; costs: NodeCostRow[]; totals: { params: number; macs: number } } {
  const checked = checkIr(ir);
  const cost = networkCost(checked);
  const costs: NodeCostRow[] = cost.nodes.map((n) => ({
    id: n.id,
    op: n.op,
    scope: scopeOf(n.id),
    outputShape: [...n.outputShape],
    params: n.params,
    macs: n.macs,
  }));
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
  for (const node of checked.ir.nodes)
    for (const input of node.inputs) link(input === 'input' ? 'input' : scopeOf(input), scopeOf(node.id));
  const kindOf = (scope: string) => (/^s\d+[bc]\d+$/.test(scope) ? 'conv' : /pool|reduce/.test(scope) ? 'pool' : 'other');
  const nodes: GraphNode[] = [{ id: 'input', label: `input ${ir.input.shape.join('×')}`, kind: 'io' }];
  for (const [scope, s] of scopes) {
    nodes.push({
      id: scope,
      label: s.macs > 0 ? `${scope} · ${formatCount(s.macs)} MACs` : scope,
      kind: kindOf(scope),
      detail: `${s.nodes} nodes · ${formatCount(s.macs)} MACs · ${formatCount(s.params)} params · out ${s.shape.join('×')}`,
    });
  }
  return { network: { nodes, edges }, costs, totals: { params: cost.params, macs: cost.macs } };
}

function formatCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}
