/**
 * WINN as a classifier on tfjs (Lee, Xu, Fan, Tu, "Wasserstein Introspective
 * Neural Networks", CVPR 2018): the procedure and its defaults are described in
 * src/task/introspective.ts, and the torch engine runs the same one
 * (src/engines/torch/introspective.py). The recipe's batches, augmentation,
 * optimiser and schedule are the plain loop's; each step adds the critic's
 * Wasserstein term with gradient penalty (introspection.ts), and after every
 * epoch but the last a synthesis round adds pseudo-negatives to the pool.
 *
 * The gradient penalty differentiates a gradient: second-order.ts fills the
 * gradients tfjs lacks for that; a network with some other op that has none
 * fails with a clear error naming it.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { mulberry32 } from '../../datasets/prng.js';
import { learningRateAt } from '../../task/task.js';
import { epochOrder, fillBatch } from '../batches.js';
import { type EpochRecord, type TrainOutcome, TrainingAborted } from '../engine.js';
import { compileIr } from './compile.js';
import { accuracyOn, robustnessOutcome } from './fgsm.js';
import { Introspection, type StepValues } from './introspection.js';
import { makeOptimizer } from './optimizer.js';
import { registerSecondOrderGradients } from './second-order.js';
import type { TfjsTrainOptions } from './train.js';

/** tfjs names the kernel it cannot differentiate; say what that means for WINN and what to do. */
export function explainMissingGradient(error: unknown): never {
  const kernel = /gradient function not found for (\w+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (!kernel) throw error;
  throw new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, `WINN's gradient penalty differentiates a gradient, and tfjs has no gradient for kernel ${kernel} that this network's backward pass uses`, {
    hint: 'train this network with --engine torch, or drop recipe.introspective for plain training',
    cause: error,
  });
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));

export async function trainIntrospective(o: TfjsTrainOptions): Promise<TrainOutcome> {
  const { tf, task, data, signal } = o;
  const recipe = task.recipe;
  registerSecondOrderGradients(tf);
  const split = o.evaluateOn ?? 'validation';
  const [h, w, c] = data.shape;
  const compiled = compileIr(tf, o.checked);
  const { model } = compiled;
  const intro = new Introspection(tf, model, recipe.introspective!, data.classes.length, data.shape, o.seed);
  const { optimizer, setLearningRate } = makeOptimizer(tf, recipe);
  const augment = mulberry32(o.seed >>> 0);
  const curve: EpochRecord[] = [];
  let optimizerSteps = 0;
  let trainSeconds = 0;
  let evalSeconds = 0;
  let images = 0;
  let epochStats: Record<string, number> = {};
  try {
    for (let epoch = 0; epoch < recipe.epochs; epoch++) {
      const learningRate = learningRateAt(recipe, epoch);
      setLearningRate(learningRate);
      const order = epochOrder(data.train.count, o.seed, epoch);
      const started = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      const realScores: number[] = [];
      const gaps: number[] = [];
      const penalties: number[] = [];
      for (let start = 0; start < order.length; start += recipe.batchSize) {
        if (signal.aborted) throw new TrainingAborted(signal.reason);
        const indices = order.subarray(start, Math.min(start + recipe.batchSize, order.length));
        const n = indices.length;
        const buffer = new Float32Array(n * h * w * c);
        fillBatch(data.train, data.shape, indices, recipe.augmentation, augment, buffer);
        const labels = Int32Array.from(indices, (i) => data.train.labels[i]!);
        let values: StepValues;
        try {
          values = intro.trainStep(optimizer, buffer, labels, recipe.weightDecay);
        } catch (error) {
          explainMissingGradient(error);
        }
        if (!Number.isFinite(values.total)) {
          curve.push({ epoch: epoch + 1, loss: values.total, trainAccuracy: seen ? correct / seen : 0, valAccuracy: Number.NaN, learningRate, seconds: (performance.now() - started) / 1000 });
          return { status: 'diverged', accuracy: null, curve, trainSeconds, evalSeconds, imagesPerSecond: null, error: `loss became ${values.total} in epoch ${epoch + 1}` };
        }
        optimizerSteps++;
        lossSum += values.crossEntropy * n;
        correct += values.hits;
        seen += n;
        realScores.push(values.realScore);
        gaps.push(values.gap);
        penalties.push(values.penalty);
        // Yield to the event loop so lock renewal, heartbeats and cancellation polls keep running.
        await yieldToEventLoop();
      }
      if (epoch + 1 < recipe.epochs) await intro.synthesise(realScores, recipe.batchSize, signal);
      epochStats = { winnWassersteinEstimate: mean(gaps), winnGradientPenalty: mean(penalties) };
      images += seen;
      const epochSeconds = (performance.now() - started) / 1000;
      trainSeconds += epochSeconds;
      const evalStarted = performance.now();
      const valAccuracy = accuracyOn(tf, model, data, split, Math.max(recipe.batchSize, 256));
      evalSeconds += (performance.now() - evalStarted) / 1000;
      const record: EpochRecord = { epoch: epoch + 1, loss: lossSum / Math.max(seen, 1), trainAccuracy: correct / Math.max(seen, 1), valAccuracy, learningRate, seconds: epochSeconds };
      curve.push(record);
      o.onProgress({ ...record, epochs: recipe.epochs, imagesPerSecond: seen / Math.max(epochSeconds, 1e-9) });
    }
    const last = curve.at(-1);
    const extra = { ...epochStats, ...intro.lastRound, winnPoolSize: intro.pool.size };
    const checkpoint = o.checkpoint ? await o.checkpoint(compiled, optimizerSteps) : undefined;
    return {
      status: 'ok', accuracy: last ? last.valAccuracy : null, curve, trainSeconds, evalSeconds, imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
      ...robustnessOutcome(tf, model, data, split, recipe, extra),
      ...(checkpoint ? { checkpoint } : {}),
    };
  } finally {
    optimizer.dispose();
    intro.dispose();
    model.dispose();
  }
}
