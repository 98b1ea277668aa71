/**
 * WINN's parts around one tfjs model (Lee, Xu, Fan, Tu, CVPR 2018; the procedure
 * and its defaults are in src/task/introspective.ts): the linear critic on the
 * logits, the pool of pseudo-negatives, one training step's loss with the
 * Wasserstein term and gradient penalty, and a synthesis round of Langevin steps
 * on the input. The torch engine's Introspection (introspective.py) is the same.
 *
 * A step is one training-mode forward over [real; fake; between], the
 * cross-entropy on the reals' logits: with batch normalisation the classifier and
 * the critic are then one function, and the running statistics that inference
 * (synthesis, evaluation, FGSM) uses describe the batches that trained it. The
 * draws (pool picks, mixing weights, thresholds, noise) come from one seeded stream.
 */
import type { LayersModel, Optimizer, Scalar, Tensor, Tensor4D, Variable } from '@tensorflow/tfjs';
import type { ImageShape } from '../../datasets/index.js';
import { mulberry32 } from '../../datasets/prng.js';
import type { IntrospectiveOptions } from '../../task/introspective.js';
import { TrainingAborted } from '../engine.js';
import type { Tfjs } from './backend.js';

const UINT32 = 4294967296;

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));

/** Pseudo-negatives, N×H×W×C floats in [0, 1]; the oldest go first when it is full. */
export class Pool {
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

/** One step's numbers: the optimised total, its cross-entropy, hits, mean real score, E f(real) − E f(fake), penalty. */
export interface StepValues {
  total: number;
  crossEntropy: number;
  hits: number;
  realScore: number;
  gap: number;
  penalty: number;
}

/** What the last synthesis round did (WINN_METRICS in src/task/introspective.ts). */
export interface RoundStats {
  winnSynthesisScoreStart: number;
  winnSynthesisScoreEnd: number;
  winnSynthesisSteps: number;
}

export class Introspection {
  readonly pool: Pool;
  lastRound: RoundStats | null = null;
  private readonly random: () => number;
  private readonly criticWeights: Variable;
  private readonly criticBias: Variable;
  /** The model's trainable variables and the critic's: what the optimiser updates. */
  readonly variables: Variable[];

  constructor(
    private readonly tf: Tfjs,
    private readonly model: LayersModel,
    private readonly options: IntrospectiveOptions,
    private readonly classes: number,
    private readonly shape: ImageShape,
    seed: number,
  ) {
    // Apart from the augmentation's stream (seeded with the seed itself), which stays the plain loop's.
    this.random = mulberry32((seed ^ 0x57494e4e) >>> 0);
    const bound = Math.sqrt(6 / (classes + 1));
    this.criticWeights = tf.variable(tf.randomUniform([classes, 1], -bound, bound, 'float32', this.random()), true);
    this.criticBias = tf.variable(tf.zeros([1]), true);
    this.variables = [...model.trainableWeights.map((v) => v.read() as Variable), this.criticWeights, this.criticBias];
    this.pool = new Pool(options.poolSize, shape[0] * shape[1] * shape[2]);
    this.pool.add(this.noise(options.synthesisPerEpoch));
  }

  /** Uniform noise over the pixel range: the pseudo-negatives' starting distribution. */
  noise(n: number): Float32Array {
    const [h, w, c] = this.shape;
    return this.tf.tidy(() => this.tf.randomUniform([n, h, w, c], 0, 1, 'float32', this.random()).dataSync() as Float32Array);
  }

  /** f on logits: the linear critic. */
  critic(logits: Tensor): Tensor {
    return this.tf.add(this.tf.matMul(logits, this.criticWeights), this.criticBias).reshape([-1]);
  }

  /** Critic scores and logits of a batch, the model in inference mode (synthesis). */
  scores(x: Tensor): { scores: Tensor; logits: Tensor } {
    const logits = this.model.apply(x, { training: false }) as Tensor;
    return { scores: this.critic(logits), logits };
  }

  /** One optimiser step on CE + criticWeight·(E f(fake) − E f(real) + λ·GP) (+ coupled weight decay). */
  trainStep(optimizer: Optimizer, buffer: Float32Array, labels: Int32Array, weightDecay: number): StepValues {
    const { tf, options } = this;
    const [h, w, c] = this.shape;
    const n = labels.length;
    const fake = this.pool.sample(n, this.random);
    const mix = Float32Array.from({ length: n }, () => this.random() / UINT32);
    return tf.tidy(() => {
      const x = tf.tensor4d(buffer, [n, h, w, c]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), this.classes);
      const u = tf.tensor4d(mix, [n, 1, 1, 1]);
      const fakes = tf.tensor4d(fake, [n, h, w, c]);
      const between = tf.add(tf.mul(u, x), tf.mul(tf.sub(1, u), fakes));
      const kept: Tensor[] = [];
      const keep = (t: Tensor) => (kept.push(tf.keep(t)), t);
      // One training-mode forward over [real; fake; between] (see the header); the penalty's gradient is taken
      // through it, and its logits, kept, also give the cross-entropy and the real and fake scores.
      let logits: Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const grad = tf.grad((b: Tensor) => {
          logits = tf.keep(this.model.apply(tf.concat([x, fakes, b]), { training: true }) as Tensor);
          return this.critic(logits.slice(2 * n, n)).sum();
        })(between);
        const realLogits = logits!.slice(0, n);
        keep(realLogits.argMax(-1).equal(tf.tensor1d(labels, 'int32')).sum());
        const crossEntropy = keep(tf.losses.softmaxCrossEntropy(y, realLogits));
        const scores = this.critic(logits!.slice(0, 2 * n));
        const realScore = keep(scores.slice(0, n).mean());
        const gap = keep(tf.sub(realScore, scores.slice(n, n).mean()));
        // The small constant keeps the norm differentiable where a gradient is exactly zero.
        const norms = tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), 1e-12));
        const penalty = keep(tf.mean(tf.square(tf.sub(norms, 1))));
        let loss = tf.add(crossEntropy, tf.mul(tf.add(tf.neg(gap), tf.mul(penalty, options.gradientPenalty)), options.criticWeight));
        // PyTorch's coupled weight decay over every optimised parameter, as the torch engine's optimiser applies it.
        if (weightDecay > 0) loss = tf.add(loss, tf.mul(tf.addN(this.variables.map((v) => tf.sum(tf.square(v)))), weightDecay / 2));
        return loss as Scalar;
      }, this.variables);
      optimizer.applyGradients(grads as Parameters<Optimizer['applyGradients']>[0]);
      logits!.dispose();
      const [hits, crossEntropy, realScore, gap, penalty] = kept.map((t) => t.dataSync()[0]!) as [number, number, number, number, number];
      kept.forEach((t) => t.dispose());
      return { total: value.dataSync()[0]!, crossEntropy, hits, realScore, gap, penalty };
    });
  }

  /**
   * One synthesis round into the pool: batches of fresh noise, labels cycling over the
   * classes, Langevin steps x ← clip(x + (ε/2)·∇(f − classWeight·CE) + η) until the
   * batch's mean score reaches a threshold drawn in [min, max] of `realScores`.
   */
  async synthesise(realScores: readonly number[], batchSize: number, signal: AbortSignal): Promise<RoundStats> {
    const { tf, options } = this;
    const [h, w, c] = this.shape;
    const lo = Math.min(...realScores);
    const hi = Math.max(...realScores);
    const starts: number[] = [];
    const ends: number[] = [];
    const stepCounts: number[] = [];
    for (let start = 0; start < options.synthesisPerEpoch; start += batchSize) {
      const n = Math.min(batchSize, options.synthesisPerEpoch - start);
      const labels = Int32Array.from({ length: n }, (_, i) => (start + i) % this.classes);
      const threshold = lo + (hi - lo) * (this.random() / UINT32);
      let x = tf.tensor4d(this.noise(n), [n, h, w, c]);
      let taken = 0;
      try {
        for (;;) {
          if (signal.aborted) throw new TrainingAborted(signal.reason);
          const current = x;
          const { score, next } = tf.tidy(() => {
            const y = tf.oneHot(tf.tensor1d(labels, 'int32'), this.classes);
            let meanScore: Tensor | undefined;
            const grad = tf.grad((input: Tensor) => {
              const { scores, logits } = this.scores(input);
              meanScore = tf.keep(scores.mean());
              const crossEntropy = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits))));
              return tf.sub(scores.sum(), tf.mul(crossEntropy, options.classWeight));
            })(current);
            let moved = tf.add(current, tf.mul(grad, options.stepSize / 2));
            if (options.noise > 0) moved = tf.add(moved, tf.randomNormal([n, h, w, c], 0, options.noise, 'float32', this.random()));
            const value = meanScore!.dataSync()[0]!;
            meanScore!.dispose();
            return { score: value, next: tf.clipByValue(moved, 0, 1) as Tensor4D };
          });
          if (taken === 0) starts.push(score);
          if (score >= threshold || taken === options.synthesisSteps) {
            next.dispose();
            ends.push(score);
            break;
          }
          x.dispose();
          x = next;
          taken++;
          await yieldToEventLoop();
        }
        stepCounts.push(taken);
        this.pool.add(x.dataSync() as Float32Array);
      } finally {
        x.dispose();
      }
    }
    this.lastRound = { winnSynthesisScoreStart: mean(starts), winnSynthesisScoreEnd: mean(ends), winnSynthesisSteps: mean(stepCounts) };
    return this.lastRound;
  }

  dispose(): void {
    this.criticWeights.dispose();
    this.criticBias.dispose();
  }
}
