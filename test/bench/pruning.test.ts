/**
 * `blockqnn bench pruning` at a tiny size (2 seeds × 4 candidates × 3 epochs of MNIST 8×8, torch):
 * every pruner trains the same proposals, a seed's first candidate always trains the whole recipe
 * under ASHA (alone at its rung, it is the best so far), a pruned candidate stops at ASHA's only
 * rung (epoch 1), ASHA's completed candidates are some of none's with the same training (so its
 * best cannot beat none's), the ratios are those of the figures, and the boards leave Redis.
 */
import { describe, expect, it } from 'vitest';
import { runPruningBench } from '../../src/bench/pruning/index.js';
import { keysUnder } from '../e2e/harness.js';
import { testRedisSettings } from '../helpers/redis.js';

describe('blockqnn bench pruning (tiny)', () => {
  it('reports epochs, wall seconds, best accuracy and ratios to none per pruner', async () => {
    const redis = testRedisSettings('bench-pruning');
    const report = await runPruningBench({
      redis,
      pruners: ['none', 'asha'],
      seeds: 2,
      candidates: 4,
      epochs: 3,
      dataset: 'mnist',
      subset: 200,
      validationSize: 100,
      imageSize: 8,
      batchSize: 50,
      learningRate: 0.05,
      blocksPerStage: 1,
      baseFilters: 4,
      stages: 2,
      maxIndex: 6,
      strategy: 'qlearning-predictor',
      seed: 0,
    });
    const { none, asha } = report.pruners;
    expect(none).toMatchObject({
      epochsTrained: 24,
      pruned: 0,
      candidates: 8,
      ratios: { epochs: 1, wallSeconds: 1, bestValAccuracyPoints: 0 },
    });
    expect(none!.seeds.map((s) => s.epochsPerCandidate)).toEqual([
      [3, 3, 3, 3],
      [3, 3, 3, 3],
    ]);
    for (const seed of asha!.seeds) {
      expect(seed.epochsPerCandidate[0]).toBe(3);
      for (const e of seed.epochsPerCandidate) expect([1, 3]).toContain(e);
      expect(seed.statuses.pruned ?? 0).toBe(seed.epochsPerCandidate.filter((e) => e === 1).length);
    }
    expect(asha!.epochsTrained).toBe(asha!.seeds.flatMap((s) => s.epochsPerCandidate).reduce((a, b) => a + b, 0));
    expect(asha!.ratios!.epochs).toBeCloseTo(asha!.epochsTrained / 24, 3);
    expect(asha!.bestValAccuracy!).toBeLessThanOrEqual(none!.bestValAccuracy! + 1e-9);
    expect(asha!.ratios!.bestValAccuracyPoints).toBeCloseTo((asha!.bestValAccuracy! - none!.bestValAccuracy!) * 100, 1);
    expect(asha!.options).toEqual({ reductionFactor: 4, minResource: 1, minEarlyStoppingRate: 0, bootstrapCount: 0 });
    expect(report.machine.engine).toMatch(/^torch /);
    expect(await keysUnder(redis.url, redis.prefix)).toEqual([]);
  }, 300_000);
});
