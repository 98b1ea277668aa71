/**
 * WINN's parts in the torch trainer (introspective.py) on real MNIST digits
 * (8×8), through the generated module: critic steps separate real digits from
 * the noise pool with a finite, positive gradient penalty; synthesis climbs the
 * critic to its step budget and stops at once at a reachable threshold; the
 * pool keeps the newest images; FGSM at ε = 0 is recipe.evaluate's accuracy.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/datasets/index.js';
import { generateTorchModule } from '../../../src/engines/torch/index.js';
import { INPUT_ID, IrBuilder } from '../../../src/search-space/index.js';
import { FIXTURES, runPythonJson } from './helpers.js';

interface Round {
  winnSynthesisScoreStart: number;
  winnSynthesisScoreEnd: number;
  winnSynthesisSteps: number;
}

describe('WINN parts in the torch trainer', () => {
  it('critic, penalty, synthesis, pool and FGSM on real digits', async () => {
    const b = new IrBuilder('winn-parts', [8, 8, 1]);
    let x = b.relu(b.batchNorm(b.conv(INPUT_ID, { filters: 4, kernel: 3, padding: 1 })));
    x = b.maxPool(x, { kernel: 2 });
    const checked = b.build(b.dense(b.globalAvgPool(b.relu(b.conv(x, { filters: 8, kernel: 3, padding: 1 }))), { units: 10 }));
    const data = await loadDataset({ name: 'mnist', subset: 64, validationSize: 20, imageSize: 8 });
    const out = await runPythonJson<{
      gaps: number[];
      penalties: number[];
      round: Round;
      stopped: Round;
      poolSizes: number[];
      poolNewest: boolean;
      fgsm: number[];
      clean: number;
    }>(path.join(FIXTURES, 'winn_parts.py'), {
      source: generateTorchModule(checked).source,
      images: [...data.train.images],
      labels: [...data.train.labels],
      shape: data.shape,
      classes: 10,
    });
    expect(out.penalties.every((p) => Number.isFinite(p) && p > 0)).toBe(true);
    expect(out.gaps.every(Number.isFinite)).toBe(true);
    const early = (out.gaps[0]! + out.gaps[1]!) / 2;
    const late = (out.gaps[18]! + out.gaps[19]!) / 2;
    expect(late).toBeGreaterThan(early);
    expect(out.round.winnSynthesisSteps).toBe(6);
    expect(out.round.winnSynthesisScoreEnd).toBeGreaterThan(out.round.winnSynthesisScoreStart);
    expect(out.stopped.winnSynthesisSteps).toBe(0);
    expect(out.stopped.winnSynthesisScoreEnd).toBe(out.stopped.winnSynthesisScoreStart);
    // 8 noise images, then two rounds of 8 into a pool of 16.
    expect(out.poolSizes).toEqual([8, 16, 16]);
    expect(out.poolNewest).toBe(true);
    expect(out.fgsm).toHaveLength(3);
    expect(out.fgsm[0]).toBe(out.clean);
  });
});
