/**
 * WINN as a classifier on tfjs (Lee, Xu, Fan, Tu, "Wasserstein Introspective
 * Neural Networks", CVPR 2018): the procedure and its defaults are described in
 * src/task/introspective.ts, and the torch engine runs the same one
 * (src/engines/torch/introspective.py). The loop (epoch-loop.ts: batches,
 * augmentation, schedule, evaluation) and the optimiser are the plain
 * training's; each step adds the critic's Wasserstein term with gradient
 * penalty (introspection.ts), and after every epoch but the last a synthesis
 * round adds pseudo-negatives to the pool.
 *
 * The gradient penalty differentiates a gradient: second-order.ts fills the
 * gradients tfjs lacks for that; a network with some other op that has none
 * fails with a clear error naming it.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import type { TrainOutcome } from '../engine.js';
import { compileIr } from './compile.js';
import { type StepResult, type TfjsTrainOptions, finishedOutcome, runEpochs } from './epoch-loop.js';
import { Introspection, type StepValues } from './introspection.js';
import { makeOptimizer } from './optimizer.js';
import { registerSecondOrderGradients } from './second-order.js';

/** tfjs names the kernel it cannot differentiate; say what that means for WINN and what to do. */
export function explainMissingGradient(error: unknown): never {
  const kernel = /gradient function not found for (\w+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (!kernel) throw error;
  throw new BlockqnnError(
    ErrorCode.ENGINE_UNAVAILABLE,
    `WINN's gradient penalty differentiates a gradient, and tfjs has no gradient for kernel ${kernel} that this network's backward pass uses`,
    {
      hint: 'train this network with --engine torch, or drop recipe.introspective for plain training',
      cause: error,
    },
  );
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

export async function trainIntrospective(o: TfjsTrainOptions): Promise<TrainOutcome> {
  const { tf, task, data, signal } = o;
  const recipe = task.recipe;
  registerSecondOrderGradients(tf);
  const compiled = compileIr(tf, o.checked, { seed: o.seed });
  const { model } = compiled;
  const intro = new Introspection(tf, model, recipe.introspective!, data.classes.length, data.shape, o.seed);
  const { optimizer, setLearningRate } = makeOptimizer(tf, recipe);
  // The critic's numbers of the epoch in progress, and of the last one.
  let realScores: number[] = [];
  let gaps: number[] = [];
  let penalties: number[] = [];
  let epochStats: Record<string, number> = {};
  const step = (images: Float32Array, labels: Int32Array): StepResult => {
    let values: StepValues;
    try {
      values = intro.trainStep(optimizer, images, labels, recipe.weightDecay);
    } catch (error) {
      explainMissingGradient(error);
    }
    if (Number.isFinite(values.total)) {
      realScores.push(values.realScore);
      gaps.push(values.gap);
      penalties.push(values.penalty);
    }
    return { objective: values.total, crossEntropy: values.crossEntropy, hits: values.hits };
  };
  const afterBatches = async (_epoch: number, last: boolean) => {
    if (!last) await intro.synthesise(realScores, recipe.batchSize, signal);
    epochStats = { winnWassersteinEstimate: mean(gaps), winnGradientPenalty: mean(penalties) };
    realScores = [];
    gaps = [];
    penalties = [];
  };
  try {
    const loop = await runEpochs(o, model, setLearningRate, { step, afterBatches });
    return (
      loop.diverged ??
      loop.pruned ??
      (await finishedOutcome(o, compiled, loop, { ...epochStats, ...intro.lastRound, winnPoolSize: intro.pool.size }))
    );
  } finally {
    optimizer.dispose();
    intro.dispose();
    model.dispose();
  }
}
