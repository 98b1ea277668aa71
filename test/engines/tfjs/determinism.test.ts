/**
 * Issue #19 item 6: the tfjs engine seeds its initialisers with the job's seed
 * (each layer's seed is the job's mixed with its name), as it already seeded
 * batch order and augmentation, so on the pure-JS CPU backend a seed
 * reproduces a training exactly, and another seed gives another one. What
 * stays nondeterministic (dropout masks, DPP sampling, native backends'
 * threaded kernels) is listed in README "Engines".
 */
import { describe, expect, it } from 'vitest';
import type { TrainOutcome } from '../../../src/engines/engine.js';
import { tfjsEngineFactory } from '../../../src/engines/tfjs/engine.js';
import { compileIr, loadTfjs } from '../../../src/engines/tfjs/index.js';
import { PAPER_BLOCKS, assembleNetwork } from '../../../src/search-space/index.js';
import { parseTask } from '../../../src/task/task.js';

const checked = assembleNetwork(PAPER_BLOCKS.resnet, { inputShape: [8, 8, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 });
const task = parseTask({
  kind: 'classification',
  dataset: { name: 'mnist', subset: 100, validationSize: 100, imageSize: 8 },
  recipe: { epochs: 2, batchSize: 25, augmentation: 'crop' },
});
const curveOf = (o: TrainOutcome) => o.curve.map(({ seconds: _seconds, ...rest }) => rest);

describe('tfjs engine: a seed reproduces a training (pure-JS CPU backend)', () => {
  it('the same seed gives the same initial weights; another seed, other weights; layers of one shape differ', async () => {
    const { tf, backend } = await loadTfjs({ logger: () => {} });
    expect(backend).toBe('cpu');
    const weights = (seed: number) => {
      const { model } = compileIr(tf, checked, { seed });
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    const [a, b, c] = [weights(5), weights(5), weights(6)];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const kernels = a.filter((w) => w.length === 4 * 4 * 9);
    expect(kernels.length).toBeGreaterThan(1);
    expect(kernels[0]).not.toEqual(kernels[1]);
  });

  it('two trainings with one seed give identical curves and accuracy; another seed differs', async () => {
    const engine = await tfjsEngineFactory.create();
    const never = new AbortController().signal;
    const first = await engine.train({ ir: checked.ir, task, seed: 11 }, never, () => {});
    const again = await engine.train({ ir: checked.ir, task, seed: 11 }, never, () => {});
    const other = await engine.train({ ir: checked.ir, task, seed: 12 }, never, () => {});
    expect(first.status).toBe('ok');
    expect(curveOf(again)).toEqual(curveOf(first));
    expect(again.accuracy).toBe(first.accuracy);
    expect(curveOf(other).map((r) => r.loss)).not.toEqual(curveOf(first).map((r) => r.loss));
  }, 120_000);
});
