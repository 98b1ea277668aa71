/**
 * WINN as a classifier on tfjs (Lee, Xu, Fan, Tu, "Wasserstein Introspective
 * Neural Networks", CVPR 2018): the procedure and its defaults are described in
 * src/task/introspective.ts, and the torch engine runs the same one
 * (src/engines/torch/introspective.py). The recipe's batches, augmentation,
 * optimiser and schedule are the plain loop's; each step adds the critic's
 * Wasserstein term with gradient penalty, and after every epoch but the last a
 * synthesis round adds pseudo-negatives made by Langevin steps on the input.
 *
 * The gradient penalty differentiates a gradient: second-order.ts fills the
 * gradients tfjs lacks for that; a network with some other op that has none
 * fails with a clear error naming it.
 */
import type { Scalar, Tensor, Tensor4D, Variable } from '@tensorflow/tfjs';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { mulberry32 } from '../../datasets/prng.js';
import { learningRateAt } from '../../task/task.js';
import { epochOrder, fillBatch } from '../batches.js';
import { type EpochRecord, type TrainOutcome, TrainingAborted } from '../engine.js';
import type { Tfjs } from './backend.js';
import { compileIr } from './compile.js';
import { accuracyOn, robustnessOutcome } from './fgsm.js';
import { registerSecondOrderGradients } from './second-order.js';
import type { TfjsTrainOptions } from './train.js';

const UINT32 = 4294967296;

/** Pseudo-negatives, N×H×W×C floats in [0, 1]; the oldest go first when it is full. */
class Pool {
  private readonly images: Float32Array;
  size = 0;
  private next = 0;

  constructor(
    private readonly capacity: number,
    private readonly imageSize: number,
  ) {
    this.images = new Float32Array(capacity * imageSize);
  }

  add(images: Float32Array): void {
    for (let offset = 0; offset < images.length; offset += this.imageSize) {
      this.images.set(images.subarray(offset, offset + this.imageSize), this.next * this.imageSize);
      this.next = (this.next + 1) % this.capacity;
      this.size = Math.min(this.capacity, this.size + 1);
    }
  }

  sample(n: number, random: () => number): Float32Array {
    const out = new Float32Array(n * this.imageSize);
    for (let i = 0; i < n; i++) {
      const j = Math.floor((random() / UINT32) * this.size);
      out.set(this.images.subarray(j * this.imageSize, (j + 1) * this.imageSize), i * this.imageSize);
    }
    return out;
  }
}

/** tfjs names the kernel it cannot differentiate; say what that means for WINN and what to do. */
function explainMissingGradient(error: unknown): never {
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
  const options = recipe.introspective!;
  registerSecondOrderGradients(tf);
  const split = o.evaluateOn ?? 'validation';
  const [h, w, c] = data.shape;
  const imageSize = h * w * c;
  const classes = data.classes.length;
  const compiled = compileIr(tf, o.checked);
  const { model } = compiled;
  let optimizerSteps = 0;
  // The synthesis, pool and penalty draws: a stream apart from the augmentation's, which stays the plain loop's.
  const random = mulberry32((o.seed ^ 0x57494e4e) >>> 0);
  const bound = Math.sqrt(6 / (classes + 1));
  const criticWeights = tf.variable(tf.randomUniform([classes, 1], -bound, bound, 'float32', random()), true, 'winn_critic_w');
  const criticBias = tf.variable(tf.zeros([1]), true, 'winn_critic_b');
  const critic = (logits: Tensor) => tf.add(tf.matMul(logits, criticWeights), criticBias).reshape([-1]);
  const scoresOf = (x: Tensor) => {
    const logits = model.apply(x, { training: false }) as Tensor;
    return { scores: critic(logits), logits };
  };
  const variables = [...model.trainableWeights.map((v) => v.read() as Variable), criticWeights, criticBias];
  const optimizer = recipe.optimizer === 'adam' ? tf.train.adam(recipe.learningRate) : tf.train.momentum(recipe.learningRate, recipe.momentum, true);
  const noise = (n: number) => tf.tidy(() => tf.randomUniform([n, h, w, c], 0, 1, 'float32', random()).dataSync() as Float32Array);
  const pool = new Pool(options.poolSize, imageSize);
  pool.add(noise(options.synthesisPerEpoch));
  const augment = mulberry32(o.seed >>> 0);
  const curve: EpochRecord[] = [];
  let trainSeconds = 0;
  let evalSeconds = 0;
  let images = 0;
  let epochStats: Record<string, number> = {};
  let roundStats: Record<string, number> = {};

  /** One training step; returns [total loss, cross-entropy, hits, mean real score, E f(real) − E f(fake), penalty]. */
  const step = (buffer: Float32Array, labels: Int32Array, fake: Float32Array, mix: Float32Array): number[] =>
    tf.tidy(() => {
      const n = labels.length;
      const x = tf.tensor4d(buffer, [n, h, w, c]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
      const u = tf.tensor4d(mix, [n, 1, 1, 1]);
      const fakes = tf.tensor4d(fake, [n, h, w, c]);
      const between = tf.add(tf.mul(u, x), tf.mul(tf.sub(1, u), fakes));
      const kept: Tensor[] = [];
      const keep = (t: Tensor) => (kept.push(tf.keep(t)), t);
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.apply(x, { training: true }) as Tensor;
        keep(logits.argMax(-1).equal(tf.tensor1d(labels, 'int32')).sum());
        const crossEntropy = keep(tf.losses.softmaxCrossEntropy(y, logits));
        const { scores } = scoresOf(tf.concat([x, fakes]));
        const realScore = keep(scores.slice(0, n).mean());
        const gap = keep(tf.sub(realScore, scores.slice(n, n).mean()));
        const grad = tf.grad((b: Tensor) => scoresOf(b).scores.sum())(between);
        // The small constant keeps the norm differentiable where a gradient is exactly zero.
        const norms = tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), 1e-12));
        const penalty = keep(tf.mean(tf.square(tf.sub(norms, 1))));
        let loss = tf.add(crossEntropy, tf.mul(tf.add(tf.neg(gap), tf.mul(penalty, options.gradientPenalty)), options.criticWeight));
        // PyTorch's coupled weight decay over every optimised parameter, as the torch engine's optimiser applies it.
        if (recipe.weightDecay > 0) loss = tf.add(loss, tf.mul(tf.addN(variables.map((v) => tf.sum(tf.square(v)))), recipe.weightDecay / 2));
        return loss as Scalar;
      }, variables);
      optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
      const [hits, crossEntropy, realScore, gap, penalty] = kept.map((t) => t.dataSync()[0]!);
      kept.forEach((t) => t.dispose());
      return [value.dataSync()[0]!, crossEntropy!, hits!, realScore!, gap!, penalty!];
    });

  /** One synthesis round into the pool (Langevin steps until the drawn threshold; see the header). */
  const synthesise = async (realScores: number[]) => {
    const lo = Math.min(...realScores);
    const hi = Math.max(...realScores);
    const starts: number[] = [];
    const ends: number[] = [];
    const stepCounts: number[] = [];
    for (let start = 0; start < options.synthesisPerEpoch; start += recipe.batchSize) {
      const n = Math.min(recipe.batchSize, options.synthesisPerEpoch - start);
      const labels = Int32Array.from({ length: n }, (_, i) => (start + i) % classes);
      const threshold = lo + (hi - lo) * (random() / UINT32);
      let x = tf.tensor4d(noise(n), [n, h, w, c]);
      let taken = 0;
      for (;;) {
        if (signal.aborted) {
          x.dispose();
          throw new TrainingAborted(signal.reason);
        }
        const target = x;
        const { score, next } = tf.tidy(() => {
          const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
          let meanScore: Tensor | undefined;
          const grad = tf.grad((input: Tensor) => {
            const { scores, logits } = scoresOf(input);
            meanScore = tf.keep(scores.mean());
            const crossEntropy = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits))));
            return tf.sub(scores.sum(), tf.mul(crossEntropy, options.classWeight));
          })(target);
          let moved = tf.add(target, tf.mul(grad, options.stepSize / 2));
          if (options.noise > 0) moved = tf.add(moved, tf.randomNormal([n, h, w, c], 0, options.noise, 'float32', random()));
          const value = meanScore!.dataSync()[0]!;
          meanScore!.dispose();
          return { score: value, next: tf.clipByValue(moved, 0, 1) };
        });
        if (taken === 0) starts.push(score);
        if (score >= threshold || taken === options.synthesisSteps) {
          next.dispose();
          ends.push(score);
          break;
        }
        x.dispose();
        x = next as Tensor4D;
        taken++;
        await yieldToEventLoop();
      }
      stepCounts.push(taken);
      pool.add(x.dataSync() as Float32Array);
      x.dispose();
    }
    roundStats = { winnSynthesisScoreStart: mean(starts), winnSynthesisScoreEnd: mean(ends), winnSynthesisSteps: mean(stepCounts) };
  };

  try {
    for (let epoch = 0; epoch < recipe.epochs; epoch++) {
      const learningRate = learningRateAt(recipe, epoch);
      (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
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
        const buffer = new Float32Array(n * imageSize);
        fillBatch(data.train, data.shape, indices, recipe.augmentation, augment, buffer);
        const labels = Int32Array.from(indices, (i) => data.train.labels[i]!);
        const fake = pool.sample(n, random);
        const mix = Float32Array.from({ length: n }, () => random() / UINT32);
        let values: number[];
        try {
          values = step(buffer, labels, fake, mix);
        } catch (error) {
          explainMissingGradient(error);
        }
        const [total, crossEntropy, hits, realScore, gap, penalty] = values as [number, number, number, number, number, number];
        if (!Number.isFinite(total)) {
          curve.push({ epoch: epoch + 1, loss: total, trainAccuracy: seen ? correct / seen : 0, valAccuracy: Number.NaN, learningRate, seconds: (performance.now() - started) / 1000 });
          return { status: 'diverged', accuracy: null, curve, trainSeconds, evalSeconds, imagesPerSecond: null, error: `loss became ${total} in epoch ${epoch + 1}` };
        }
        optimizerSteps++;
        lossSum += crossEntropy * n;
        correct += hits;
        seen += n;
        realScores.push(realScore);
        gaps.push(gap);
        penalties.push(penalty);
        await yieldToEventLoop();
      }
      if (epoch + 1 < recipe.epochs) await synthesise(realScores);
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
    const extra = { ...epochStats, ...roundStats, winnPoolSize: pool.size };
    const checkpoint = o.checkpoint ? await o.checkpoint(compiled, optimizerSteps) : undefined;
    return {
      status: 'ok', accuracy: last ? last.valAccuracy : null, curve, trainSeconds, evalSeconds, imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
      ...robustnessOutcome(tf, model, data, split, recipe, extra),
      ...(checkpoint ? { checkpoint } : {}),
    };
  } finally {
    optimizer.dispose();
    criticWeights.dispose();
    criticBias.dispose();
    model.dispose();
  }
}
