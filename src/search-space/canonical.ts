/**
 * Canonical form and stable hash of an NSC block: two codes that describe the
 * same DAG (layers renumbered, add/concat operands swapped) print the same
 * canonical code and so get the same hash.
 *
 * Method: colour refinement (1-dimensional Weisfeiler-Leman) on the block DAG,
 * where a node's colour starts as its (type, kernel, is-output) label and is
 * refined with the multisets of its predecessors' and successors' colours. The
 * canonical numbering is then a topological order that always takes the ready
 * node of smallest colour. Where several ready nodes share the smallest colour,
 * each is tried in turn (individualised, colours refined again) and the order
 * giving the smallest code wins: individualisation-refinement, as in nauty.
 * Refinement alone cannot tell every pair of non-interchangeable nodes apart
 * (eight convs feeding adds along one 4-cycle and two 2-cycles all look alike),
 * so taking the first tied node gave isomorphic blocks different codes. Branches
 * whose partial code already exceeds the best one, and branches that an
 * automorphism found on the way maps onto an explored one, are cut, so symmetric
 * blocks stay fast (22 identical parallel layers: 22 leaves, tens of ms).
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

/** A layer as placed in the canonical order: type, kernel and its predecessors' canonical numbers, sorted. */
type Tuple = readonly [number, number, number, number];

interface Placement {
  readonly order: number[]; // original ids in canonical order (the block input, 0, excluded)
  readonly position: Map<number, number>; // original id → canonical index
  readonly tuples: Tuple[];
}

interface Search {
  readonly nodes: Map<number, Node>;
  readonly byIndex: Map<number, NscLayer>;
  best: Placement | undefined;
  /** Automorphisms found (two leaves with the same code), as original id → original id. */
  readonly automorphisms: Map<number, number>[];
}

/** Compares a (partial) code with the same-length prefix of another, lexicographically. */
function compareCodes(a: readonly Tuple[], b: readonly Tuple[]): number {
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < 4; j++) if (a[i]![j] !== b[i]![j]) return a[i]![j]! - b[i]![j]!;
  }
  return 0;
}

/** Appends `id` to the placement, or returns undefined when the code can no longer beat the best one. */
function place(s: Search, p: Placement, id: number): Placement | undefined {
  const layer = s.byIndex.get(id)!;
  const preds = inputsOf(layer)
    .map((q) => p.position.get(q)!)
    .sort((a, b) => a - b);
  const tuples = [...p.tuples, [layer.type, layer.kernel, preds[0] ?? 0, preds[1] ?? 0] as const];
  // Compared with the best code as it is now: a sibling branch may have found a smaller one since the prefix was placed.
  if (s.best && compareCodes(tuples, s.best.tuples) > 0) return undefined;
  const position = new Map(p.position).set(id, p.order.length + 1);
  return { order: [...p.order, id], position, tuples };
}

/** Whether `candidate` is mapped onto an explored sibling by automorphisms that fix the placed prefix. */
function sameOrbit(s: Search, prefix: readonly number[], explored: readonly number[], candidate: number): boolean {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    while (parent.has(x)) x = parent.get(x)!;
    return x;
  };
  for (const gamma of s.automorphisms) {
    if (!prefix.every((id) => gamma.get(id) === id)) continue;
    for (const [from, to] of gamma) {
      const [a, b] = [find(from), find(to)];
      if (a !== b) parent.set(a, b);
    }
  }
  return explored.some((e) => find(e) === find(candidate));
}

/**
 * Depth-first search over the choices left open by refinement. Returns the depth
 * the search should unwind to: Infinity to go on normally, or d when a leaf proved
 * that the branch taken at depth d is an automorphic image of one already explored.
 */
function explore(s: Search, start: Map<number, string>, from: Placement): number {
  let colours = start;
  let p = from;
  while (p.order.length < s.nodes.size - 1) {
    const placed = new Set([0, ...p.order]);
    const ready = [...s.nodes.values()].filter((n) => !placed.has(n.id) && n.preds.every((q) => placed.has(q)));
    let min = colours.get(ready[0]!.id)!;
    for (const n of ready) if (colours.get(n.id)! < min) min = colours.get(n.id)!;
    const ties = ready.filter((n) => colours.get(n.id) === min).map((n) => n.id);
    if (ties.length === 1) {
      const next = place(s, p, ties[0]!);
      if (!next) return Infinity;
      p = next;
      continue;
    }
    // Equal colours need not mean interchangeable nodes (colour refinement cannot
    // tell a 4-cycle from two 2-cycles), so every choice is tried and the smallest
    // code wins; choices proven automorphic are skipped.
    const depth = p.order.length;
    const explored: number[] = [];
    for (const t of ties) {
      if (sameOrbit(s, p.order, explored, t)) continue;
      explored.push(t);
      const next = place(s, p, t);
      if (!next) continue;
      const individualised = new Map(colours).set(t, `${min}#${depth}`);
      const unwind = explore(s, refine(s.nodes, individualised), next);
      if (unwind < depth) return unwind;
    }
    return Infinity;
  }
  const best = s.best;
  const c = best ? compareCodes(p.tuples, best.tuples) : -1;
  if (!best || c !== 0) {
    if (c < 0) s.best = p;
    return Infinity;
  }
  // Same code as the best leaf: the two orders differ by an automorphism.
  s.automorphisms.push(new Map(best.order.map((id, i) => [id, p.order[i]!])));
  const diverge = best.order.findIndex((id, i) => id !== p.order[i]);
  return diverge < 0 ? Infinity : diverge;
}

/** Returns the block renumbered canonically (a new, valid NscBlock). */
export function canonicalBlock(block: NscBlock): NscBlock {
  const nodes = buildGraph(block);
  const search: Search = { nodes, byIndex: new Map(block.map((l) => [l.index, l])), best: undefined, automorphisms: [] };
  const colours = refine(nodes, new Map([...nodes.values()].map((n) => [n.id, n.label])));
  explore(search, colours, { order: [], position: new Map([[0, 0]]), tuples: [] });
  const layers: NscLayer[] = search.best!.tuples.map(([type, kernel, pred1, pred2], i) => ({
    index: i + 1,
    type: type as LayerType,
    kernel,
    pred1,
    pred2,
  }));
  layers.push({ index: layers.length + 1, type: LayerType.terminal, kernel: 0, pred1: 0, pred2: 0 });
  return layers;
}

export function canonicalText(block: NscBlock): string {
  return printNsc(canonicalBlock(block));
}

/** Stable identity of a block's DAG: hex SHA-256 of its canonical text, 32 characters (128 bits). */
export function blockHash(block: NscBlock): string {
  return createHash('sha256')
    .update(`nsc:${canonicalText(block)}`)
    .digest('hex')
    .slice(0, 32);
}
