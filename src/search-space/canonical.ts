/**
 * Canonical form and stable hash of an NSC block: two codes that describe the
 * same DAG (layers renumbered, add/concat operands swapped) print the same
 * canonical code and so get the same hash.
 *
 * Method: colour refinement (1-dimensional Weisfeiler-Leman) on the block DAG,
 * where a node's colour starts as its (type, kernel, is-output) label and is
 * refined with the multisets of its predecessors' and successors' colours. The
 * canonical numbering is then a topological order that always takes the ready
 * node of smallest colour; where equal colours remain, one node is individualised
 * and the colours refined again. Nodes that stay equal after refinement are in
 * practice interchangeable (automorphic), so the choice does not change the code.
 * The hash is SHA-256 of the canonical text: distinct DAGs have distinct
 * canonical codes, so they collide only if SHA-256 does.
 */
import { createHash } from 'node:crypto';
import { type NscBlock, type NscLayer, LayerType, inputsOf, outputLayers, printNsc } from './nsc.js';

interface Node {
  readonly id: number; // 0 = block input, otherwise the original layer index
  readonly label: string;
  readonly preds: number[];
  readonly succs: number[];
}

function digest(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}

function buildGraph(block: NscBlock): Map<number, Node> {
  const leaves = new Set(outputLayers(block).map((l) => l.index));
  const nodes = new Map<number, Node>();
  nodes.set(0, { id: 0, label: 'in', preds: [], succs: [] });
  for (const layer of block) {
    if (layer.type === LayerType.terminal) continue;
    nodes.set(layer.index, {
      id: layer.index,
      label: `${layer.type}:${layer.kernel}${leaves.has(layer.index) ? ':out' : ''}`,
      preds: inputsOf(layer),
      succs: [],
    });
  }
  for (const node of nodes.values()) for (const p of node.preds) nodes.get(p)!.succs.push(node.id);
  return nodes;
}

function countDistinct(colours: Map<number, string>): number {
  return new Set(colours.values()).size;
}

function refine(nodes: Map<number, Node>, start: Map<number, string>): Map<number, string> {
  let colours = start;
  let distinct = countDistinct(colours);
  for (let round = 0; round <= nodes.size; round++) {
    const next = new Map<number, string>();
    for (const node of nodes.values()) {
      const preds = node.preds.map((p) => colours.get(p)!).sort();
      const succs = node.succs.map((s) => colours.get(s)!).sort();
      next.set(node.id, digest(`${colours.get(node.id)}|${preds.join(',')}|${succs.join(',')}`));
    }
    const nextDistinct = countDistinct(next);
    colours = next;
    if (nextDistinct === distinct) break;
    distinct = nextDistinct;
  }
  return colours;
}

/** Returns the block renumbered canonically (a new, valid NscBlock). */
export function canonicalBlock(block: NscBlock): NscBlock {
  const nodes = buildGraph(block);
  let colours = refine(nodes, new Map([...nodes.values()].map((n) => [n.id, n.label])));
  const order: number[] = [];
  const placed = new Set<number>([0]);
  while (placed.size < nodes.size) {
    const ready = [...nodes.values()].filter((n) => !placed.has(n.id) && n.preds.every((p) => placed.has(p)));
    let best = ready[0]!;
    for (const n of ready) if (colours.get(n.id)! < colours.get(best.id)!) best = n;
    const ties = ready.filter((n) => colours.get(n.id) === colours.get(best.id));
    if (ties.length > 1) {
      const individualised = new Map(colours);
      individualised.set(best.id, `${colours.get(best.id)}#${order.length}`);
      colours = refine(nodes, individualised);
    }
    order.push(best.id);
    placed.add(best.id);
  }
  const renumber = new Map<number, number>([[0, 0]]);
  order.forEach((id, i) => renumber.set(id, i + 1));
  const byIndex = new Map(block.map((l) => [l.index, l]));
  const layers: NscLayer[] = order.map((id, i) => {
    const layer = byIndex.get(id)!;
    const preds = inputsOf(layer).map((p) => renumber.get(p)!).sort((a, b) => a - b);
    return { index: i + 1, type: layer.type, kernel: layer.kernel, pred1: preds[0] ?? 0, pred2: preds[1] ?? 0 };
  });
  layers.push({ index: order.length + 1, type: LayerType.terminal, kernel: 0, pred1: 0, pred2: 0 });
  return layers;
}

export function canonicalText(block: NscBlock): string {
  return printNsc(canonicalBlock(block));
}

/** Stable identity of a block's DAG: hex SHA-256 of its canonical text, 32 characters (128 bits). */
export function blockHash(block: NscBlock): string {
  return createHash('sha256').update(`nsc:${canonicalText(block)}`).digest('hex').slice(0, 32);
}
