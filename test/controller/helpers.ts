/** Deterministic stand-ins for an evaluator, so controller tests need no table and no training. */
import { NB201_OPS, density } from '../../src/search-space/index.js';
import { type AnySpace, type EvaluationResult, Nb201Space, NscSpace } from '../../src/controller/index.js';

/** A smooth NAS-Bench-201-like landscape: 3×3 convs help, `none` hurts, one pairwise interaction. */
export function nb201Fitness(key: string): number {
  const ops = new Nb201Space().parse(key);
  const weight: Record<string, number> = { none: -2, skip_connect: 0.5, nor_conv_1x1: 1, nor_conv_3x3: 2, avg_pool_3x3: 0 };
  let f = 70;
  ops.forEach((op, e) => (f += weight[NB201_OPS[op]!]! * (1 + e / 10)));
  if (NB201_OPS[ops[3]!] === 'skip_connect' && NB201_OPS[ops[5]!] === 'nor_conv_3x3') f += 3;
  return f;
}

/** For NSC blocks: more conv layers and a moderate size are better. */
export function nscFitness(space: NscSpace, key: string): number {
  const block = space.parse(key);
  const convs = block.filter((l) => l.type === 1).length;
  return 0.5 + 0.05 * convs - 0.01 * Math.abs(block.length - 5);
}

export interface SpaceCase {
  label: string;
  make: () => AnySpace;
  /** A full result: NSC blocks also report FLOPs and density, which their default reward (μ = ρ = 0.01) needs. */
  evaluate: (space: AnySpace, key: string) => EvaluationResult;
}

export const SPACE_CASES: SpaceCase[] = [
  { label: 'nasbench201', make: () => new Nb201Space(), evaluate: (_space, key) => ({ fitness: nb201Fitness(key) }) },
  {
    label: 'nsc (maxIndex 6)',
    make: () => new NscSpace({ maxIndex: 6 }),
    evaluate: (space, key) => {
      const block = (space as NscSpace).parse(key);
      return { fitness: nscFitness(space as NscSpace, key), flops: 1e6 * block.length, density: density(block) };
    },
  },
];
