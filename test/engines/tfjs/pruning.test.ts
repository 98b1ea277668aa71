/** The tfjs engine obeys its request's epoch-end decision: a real training on MNIST 8×8 stopped by the median pruner after epoch 1. */
import { describe, expect, it } from 'vitest';
import type { EpochProgress } from '../../../src/engines/engine.js';
import { tfjsEngineFactory } from '../../../src/engines/tfjs/engine.js';
import { medianAgainstPerfectRivals, tinyIr, tinyTask } from '../pruning-fixtures.js';

const never = new AbortController().signal;

describe('tfjs engine: pruning at epoch ends', () => {
  it('stops as pruned after epoch 1 when the pruner says so, with the curve and accuracy of that epoch', async () => {
    const engine = await tfjsEngineFactory.create();
    const { asked, shouldContinue } = medianAgainstPerfectRivals(3);
    const progress: EpochProgress[] = [];
    const outcome = await engine.train({ ir: tinyIr, task: tinyTask(3), seed: 1, shouldContinue }, never, (p) => progress.push(p));
    expect(outcome.status).toBe('pruned');
    expect(outcome.curve.map((r) => r.epoch)).toEqual([1]);
    expect(outcome.accuracy).toBe(outcome.curve[0]!.valAccuracy);
    expect(outcome.accuracy).toBeLessThan(1);
    expect(asked.map((r) => r.epoch)).toEqual([1]);
    expect(asked[0]).toEqual(outcome.curve[0]);
    expect(progress.map((p) => p.epoch)).toEqual([1]);
    expect(outcome.trainSeconds).toBeGreaterThan(0);
  });

  it('asks after every epoch but the last, and trains them all when told to continue', async () => {
    const engine = await tfjsEngineFactory.create();
    const asked: number[] = [];
    const outcome = await engine.train(
      { ir: tinyIr, task: tinyTask(2), seed: 1, shouldContinue: async (r) => (asked.push(r.epoch), true) },
      never,
      () => {},
    );
    expect(outcome.status).toBe('ok');
    expect(outcome.curve).toHaveLength(2);
    expect(asked).toEqual([1]);
  });
});
