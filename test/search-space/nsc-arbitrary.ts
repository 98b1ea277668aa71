/**
 * Test helpers for the NSC grammar: a fast-check arbitrary of valid blocks, a
 * random relabelling that keeps the DAG, and a brute-force isomorphism oracle
 * that is independent of the canonical-form code under test.
 */
import fc from 'fast-check';
import { ALLOWED_KERNELS, LayerType, arity, inputsOf } from '../../src/search-space/index.js';
import type { NscBlock, NscLayer } from '../../src/search-space/index.js';

export interface BlockArbitraryOptions {
  maxIndex?: number;
  /** Layer types to draw from (terminal excluded). Default: all six. */
  types?: readonly LayerType[];
  /** Most non-terminal layers; default maxIndex - 1. */
  maxLayers?: number;
}

/** Random valid blocks: every choice is drawn as raw integers and mapped onto legal values, so shrinking works. */
export function validBlock(o: BlockArbitraryOptions = {}): fc.Arbitrary<NscBlock> {
  const maxIndex = o.maxIndex ?? 23;
  const types = o.types ?? [1, 2, 3, 4, 5, 6];
  const single = types.filter((t) => arity(t) === 1);
  const maxLayers = Math.min(o.maxLayers ?? maxIndex - 1, maxIndex - 1);
  const raw = fc.record({ type: fc.nat(), kernel: fc.nat(), p1: fc.nat(), p2: fc.nat() });
  return fc.array(raw, { minLength: 1, maxLength: maxLayers }).map((draws) => {
    const layers: NscLayer[] = draws.map((d, i) => {
      const index = i + 1;
      // The first layer has only the block input to read, so it cannot be add/concat.
      const pool = index === 1 ? single : types;
      const type = pool[d.type % pool.length]!;
      const kernels = ALLOWED_KERNELS[type];
      const kernel = kernels[d.kernel % kernels.length]!;
      const pred1 = d.p1 % index;
      const pred2 = arity(type) === 2 ? (pred1 + 1 + (d.p2 % (index - 1))) % index : 0;
      return { index, type, kernel, pred1, pred2 };
    });
    layers.push({ index: layers.length + 1, type: LayerType.terminal, kernel: 0, pred1: 0, pred2: 0 });
    return layers;
  });
}

/**
 * The same DAG written differently: layers renumbered along a random topological
 * order (priorities pick among ready layers), add/concat operands swapped where
 * `swaps` says, and the tuples listed in a shuffled order.
 */
export function relabel(
  block: NscBlock,
  priorities: readonly number[],
  swaps: readonly boolean[],
  listOrder: readonly number[],
): NscLayer[] {
  const body = block.filter((l) => l.type !== LayerType.terminal);
  const renumber = new Map<number, number>([[0, 0]]);
  const pending = new Set(body.map((l) => l.index));
  while (pending.size > 0) {
    const ready = body.filter((l) => pending.has(l.index) && inputsOf(l).every((p) => renumber.has(p)));
    let pick = ready[0]!;
    for (const l of ready) if ((priorities[l.index] ?? 0) > (priorities[pick.index] ?? 0)) pick = l;
    renumber.set(pick.index, renumber.size);
    pending.delete(pick.index);
  }
  const layers: NscLayer[] = body.map((l) => {
    const [p1, p2] = [renumber.get(l.pred1)!, arity(l.type) === 2 ? renumber.get(l.pred2)! : 0];
    const swap = arity(l.type) === 2 && (swaps[l.index] ?? false);
    return { index: renumber.get(l.index)!, type: l.type, kernel: l.kernel, pred1: swap ? p2 : p1, pred2: swap ? p1 : p2 };
  });
  layers.push({ index: body.length + 1, type: LayerType.terminal, kernel: 0, pred1: 0, pred2: 0 });
  return layers
    .map((l, i) => ({ l, key: listOrder[i] ?? 0 }))
    .sort((a, b) => a.key - b.key)
    .map(({ l }) => l);
}

const signature = (l: NscLayer, map: (p: number) => number): string =>
  `${l.type}:${l.kernel}:${inputsOf(l)
    .map(map)
    .sort((x, y) => x - y)
    .join(',')}`;

/**
 * Whether two blocks are the same DAG: a backtracking search for a bijection of
 * layers that maps each layer of `a` (in index order, so its predecessors are
 * already mapped) onto a layer of `b` with the same type, kernel and predecessors.
 */
export function isomorphic(a: NscBlock, b: NscBlock): boolean {
  const la = a.filter((l) => l.type !== LayerType.terminal);
  const lb = b.filter((l) => l.type !== LayerType.terminal);
  if (la.length !== lb.length) return false;
  const mapping = new Map<number, number>([[0, 0]]);
  const used = new Set<number>();
  const search = (i: number): boolean => {
    if (i === la.length) return true;
    const layer = la[i]!;
    const mapped = signature(layer, (p) => mapping.get(p)!);
    for (const target of lb) {
      if (used.has(target.index) || signature(target, (p) => p) !== mapped) continue;
      mapping.set(layer.index, target.index);
      used.add(target.index);
      if (search(i + 1)) return true;
      used.delete(target.index);
      mapping.delete(layer.index);
    }
    return false;
  };
  return search(0);
}
