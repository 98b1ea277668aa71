/**
 * Candidate factories: the cheap hash matches the materialised one, and a
 * NAS-Bench-201 factory without IRs gives exactly the cost of the built network.
 */
import { describe, expect, it } from 'vitest';
import { nb201Candidates, nscCandidates } from '../../src/orchestrator/candidates.js';
import { nb201CostModel } from '../../src/search-space/spaces/nasbench201/cost.js';
import { NB201_EDGES, NB201_OPS, RESNET_BLOCK_NSC, buildNb201Network, networkCost, printNb201 } from '../../src/search-space/index.js';

function randomCell(next: () => number) {
  return NB201_EDGES.map(() => NB201_OPS[Math.floor(next() * NB201_OPS.length)]!);
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('NAS-Bench-201 cost without building the network', () => {
  for (const options of [{}, { inputShape: [16, 16, 1] as [number, number, number], classes: 5 }]) {
    it(`equals networkCost of the built network (${JSON.stringify(options)})`, () => {
      const model = nb201CostModel(options);
      const next = lcg(11);
      const cells = [
        ...Array.from({ length: 150 }, () => randomCell(next)),
        NB201_EDGES.map(() => 'none' as const),
        NB201_EDGES.map(() => 'nor_conv_3x3' as const),
      ];
      for (const cell of cells) {
        const built = networkCost(buildNb201Network(cell, options));
        expect(model(cell), printNb201(cell)).toEqual({ macs: built.macs, params: built.params });
      }
    });
  }

  it('a factory without IRs gives the same hash, cost and density as one with them, and no IR', () => {
    const withIr = nb201Candidates({ inputShape: [32, 32, 3], classes: 10 });
    const without = nb201Candidates({ inputShape: [32, 32, 3], classes: 10, withIr: false });
    const next = lcg(5);
    for (let i = 0; i < 40; i++) {
      const key = printNb201(randomCell(next));
      const a = withIr.materialize(key);
      const b = without.materialize(key);
      expect(a.ir).toBeDefined();
      expect(b.ir).toBeUndefined();
      expect({ ...b }).toEqual({ key: a.key, hash: a.hash, flops: a.flops, params: a.params, density: a.density });
      expect(without.hashOf(key)).toBe(a.hash);
    }
    expect(without.storesIr).toBe(false);
    expect(() => without.hashOf('|bogus~0|')).toThrow();
  });
});

describe('NSC factory', () => {
  it('hashOf is the hash of the materialised candidate', () => {
    const factory = nscCandidates({ inputShape: [8, 8, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 }, 8);
    for (const code of [RESNET_BLOCK_NSC, '(1,4,0,0,0)(2,1,3,1,0)(3,7,0,0,0)']) {
      expect(factory.hashOf(code)).toBe(factory.materialize(code).hash);
    }
    expect(factory.storesIr).toBe(true);
  });
});
