/**
 * The BlockQNN early-stop recipe on tfjs: Adam (or SGD with Nesterov momentum),
 * the learning rate set per epoch by `learningRateAt` (step decay or cosine),
 * weight decay as PyTorch's coupled L2 term, seeded shuffles and augmentation,
 * accuracy on the evaluation split (validation, or test for a final training)
 * after every epoch.
 * A non-finite loss stops training as `diverged`; the abort signal is checked
 * every batch so cancellation and time limits take effect within one step.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import type { Dataset } from '../../datasets/index.js';
import { mulberry32 } from '../../datasets/prng.js';
import type { CheckedIr } from '../../search-space/index.js';
import { type ClassificationTask, learningRateAt } from '../../task/task.js';
import { epochOrder, fillBatch } from '../batches.js';
import { type EpochProgress, type EpochRecord, type TrainOutcome, TrainingAborted } from '../engine.js';
import type { Tfjs } from './backend.js';
import { type CompiledIr, compileIr } from './compile.js';
import { accuracyOn, robustnessOutcome } from './fgsm.js';
import { makeOptimizer } from './optimizer.js';
import { trainIntrospective } from './introspective.js';
import { prunedOutcome, stopsAfter } from '../pruning.js';


/** The view of the optimiser this loop needs: `minimize` with a loss that is a tensor (tfjs types it as a Scalar). */
interface Minimizer {
  minimize(f: () => Tensor, returnCost: true): Tensor | null;
}

export interface TfjsTrainOptions {
  tf: Tfjs;
  checked: CheckedIr;
  task: ClassificationTask;
  data: Dataset;
  seed: number;
  signal: AbortSignal;
  onProgress: (progress: EpochProgress) => void;
  /** Split measured after every epoch; default validation. */
  evaluateOn?: 'validation' | 'test' | undefined;
  /** Called with the trained model and its step count when training ends ok; its bytes become the outcome's checkpoint. */
  checkpoint?: ((compiled: CompiledIr, steps: number) => Uint8Array | Promise<Uint8Array>) | undefined;
  /** The request's epoch-end decision (TrainRequest.shouldContinue): false stops the training as `pruned`. */
  shouldContinue?: ((record: EpochRecord) => Promise<boolean>) | undefined;
}

/**
 * PyTorch's coupled weight decay (SGD and Adam alike add decay × w to every parameter's
 * gradient) as the loss term decay/2 · Σ w² over the trainable weights, which tfjs
 * differentiates into exactly that gradient.
 */
function decayTerm(tf: Tfjs, model: LayersModel, decay: number): Tensor | null {
  if (decay === 0 || model.trainableWeights.length === 0) return null;
  return tf.addN(model.trainableWeights.map((w) => (w.read() as Tensor).square().sum())).mul(decay / 2);
}

export async function trainTfjs(o: TfjsTrainOptions): Promise<TrainOutcome> {
  if (o.task.recipe.introspective) return trainIntrospective(o);
  const { tf, task, data, signal } = o;
  const recipe = task.recipe;
  const [h, w, c] = data.shape;
  const classes = data.classes.length;
  const compiled = compileIr(tf, o.checked);
  const { model } = compiled;
  let steps = 0;
  const { optimizer, setLearningRate } = makeOptimizer(tf, recipe);
  const minimizer = optimizer as unknown as Minimizer;
  const next = mulberry32(o.seed >>> 0);
  const curve: EpochRecord[] = [];
  let trainSeconds = 0;
  let evalSeconds = 0;
  let images = 0;
  try {
    for (let epoch = 0; epoch < recipe.epochs; epoch++) {
      const learningRate = learningRateAt(recipe, epoch);
      setLearningRate(learningRate);
      const order = epochOrder(data.train.count, o.seed, epoch);
      const started = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let start = 0; start < order.length; start += recipe.batchSize) {
        if (signal.aborted) throw new TrainingAborted(signal.reason);
        const indices = order.subarray(start, Math.min(start + recipe.batchSize, order.length));
        const n = indices.length;
        const buffer = new Float32Array(n * h * w * c);
        fillBatch(data.train, data.shape, indices, recipe.augmentation, next, buffer);
        const labels = Int32Array.from(indices, (i) => data.train.labels[i]!);
        const [loss, hits] = tf.tidy((): [number, number] => {
          const x = tf.tensor4d(buffer, [n, h, w, c]);
          const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
          let hit: Tensor | undefined;
          let crossEntropy: Tensor | undefined;
          minimizer.minimize(() => {
            const logits = model.apply(x, { training: true }) as Tensor;
            // minimize() disposes what its closure made; keep the hit count for the epoch's train accuracy
            // and the cross-entropy alone for the reported loss (the decay term is not part of it, as in PyTorch).
            hit = tf.keep(logits.argMax(-1).equal(tf.tensor1d(labels, 'int32')).sum());
            crossEntropy = tf.keep(tf.losses.softmaxCrossEntropy(y, logits));
            const decay = decayTerm(tf, model, recipe.weightDecay);
            return decay ? crossEntropy.add(decay) : crossEntropy.clone();
          }, true);
          const values: [number, number] = [crossEntropy!.dataSync()[0]!, hit!.dataSync()[0]!];
          hit!.dispose();
          crossEntropy!.dispose();
          return values;
        });
        if (!Number.isFinite(loss)) {
          curve.push({ epoch: epoch + 1, loss, trainAccuracy: seen ? correct / seen : 0, valAccuracy: Number.NaN, learningRate, seconds: (performance.now() - started) / 1000 });
          return { status: 'diverged', accuracy: null, curve, trainSeconds, evalSeconds, imagesPerSecond: null, error: `loss became ${loss} in epoch ${epoch + 1}` };
        }
        steps++;
        lossSum += loss * n;
        correct += hits;
        seen += n;
        images += n;
        // Yield to the event loop so lock renewal, heartbeats and cancellation polls keep running.
        await new Promise((r) => setImmediate(r));
      }
      const epochSeconds = (performance.now() - started) / 1000;
      trainSeconds += epochSeconds;
      const evalStarted = performance.now();
      const valAccuracy = accuracyOn(tf, model, data, o.evaluateOn ?? 'validation', Math.max(recipe.batchSize, 256));
      evalSeconds += (performance.now() - evalStarted) / 1000;
      const record: EpochRecord = { epoch: epoch + 1, loss: lossSum / Math.max(seen, 1), trainAccuracy: correct / Math.max(seen, 1), valAccuracy, learningRate, seconds: epochSeconds };
      curve.push(record);
      o.onProgress({ ...record, epochs: recipe.epochs, imagesPerSecond: seen / Math.max(epochSeconds, 1e-9) });
      if (await stopsAfter(o.shouldContinue, record, recipe.epochs)) return prunedOutcome(curve, trainSeconds, evalSeconds, images);
    }
    const last = curve.at(-1);
    const checkpoint = o.checkpoint ? await o.checkpoint(compiled, steps) : undefined;
    return {
      status: 'ok', accuracy: last ? last.valAccuracy : null, curve, trainSeconds, evalSeconds, imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
      ...robustnessOutcome(tf, model, data, o.evaluateOn ?? 'validation', recipe),
      ...(checkpoint ? { checkpoint } : {}),
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
