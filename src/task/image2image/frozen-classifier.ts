/**
 * The frozen classifiers the image-to-image metrics judge outputs with: a one-hidden-layer
 * MLP (inputs = pixels in [0, 1], HIDDEN ReLU units, softmax), trained in pure TypeScript on
 * the task's own training examples with a fixed seed, then never changed. Both engines' outputs
 * are scored by the same classifier, so their scores compare; it is the stand-in, at this scale,
 * for the pretrained Inception network of FID and of StarGAN's classification metric.
 *
 * - `domainClassifier(examples)` (domain-translation): the domain of an image, trained on the
 *   train split's `source` and `target` images labelled with their domains (both are renders of
 *   their domain, so twice the data of the targets alone).
 * - `classClassifier(examples)` (introspective-synthesis): the dataset class, trained on `real`.
 *
 * Training: Glorot-uniform weights from mulberry32(seed), zero biases; Adam (lr 2e-3, β 0.9 /
 * 0.999) on mean cross-entropy, batches of 32 in a seeded order per epoch, EPOCHS epochs, all in
 * Float64. Deterministic: same images and seed, same weights. Memoised by the bytes of the
 * training images and labels (a SHA-1), so scoring the same task again in a worker costs nothing.
 */
import { createHash } from 'node:crypto';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { mulberry32, permutation } from '../../datasets/prng.js';
import { toFloat } from './image-ops.js';
import type { ExampleSet } from './schema.js';

export const HIDDEN = 32;
export const EPOCHS = 12;
const BATCH = 32;
const LEARNING_RATE = 2e-3;
const SEED = 20180618;

export interface FrozenClassifier {
  readonly inputSize: number;
  readonly classes: number;
  /** Hidden-layer activations, `count × HIDDEN` (the features of the Fréchet distance). */
  features(images: Float32Array): Float64Array;
  /** Class probabilities, `count × classes`. */
  predict(images: Float32Array): Float64Array;
}

/** Fraction of images whose most probable class is their label. */
export function accuracy(classifier: FrozenClassifier, images: Float32Array, labels: ArrayLike<number>): number {
  const probs = classifier.predict(images);
  const k = classifier.classes;
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c]! > probs[i * k + best]!) best = c;
    if (best === labels[i]) right++;
  }
  return right / labels.length;
}

interface Weights {
  w1: Float64Array; // HIDDEN × in
  b1: Float64Array;
  w2: Float64Array; // classes × HIDDEN
  b2: Float64Array;
}

function forward(
  wt: Weights,
  inputSize: number,
  classes: number,
  x: Float32Array,
  at: number,
  hidden: Float64Array,
  logits: Float64Array,
): void {
  for (let h = 0; h < HIDDEN; h++) {
    let sum = wt.b1[h]!;
    const row = h * inputSize;
    for (let i = 0; i < inputSize; i++) sum += wt.w1[row + i]! * x[at + i]!;
    hidden[h] = sum > 0 ? sum : 0;
  }
  for (let c = 0; c < classes; c++) {
    let sum = wt.b2[c]!;
    for (let h = 0; h < HIDDEN; h++) sum += wt.w2[c * HIDDEN + h]! * hidden[h]!;
    logits[c] = sum;
  }
}

function softmaxInPlace(v: Float64Array): void {
  let max = -Infinity;
  for (const x of v) max = Math.max(max, x);
  let total = 0;
  for (let i = 0; i < v.length; i++) total += v[i] = Math.exp(v[i]! - max);
  for (let i = 0; i < v.length; i++) v[i]! /= total;
}

function frozen(wt: Weights, inputSize: number, classes: number): FrozenClassifier {
  const run = (images: Float32Array, keep: 'features' | 'probs'): Float64Array => {
    if (images.length % inputSize !== 0) {
      throw new BlockqnnError(
        ErrorCode.INVALID_INPUT,
        `classifier input of ${images.length} values is not a whole number of ${inputSize}-value images`,
      );
    }
    const count = images.length / inputSize;
    const width = keep === 'features' ? HIDDEN : classes;
    const out = new Float64Array(count * width);
    const hidden = new Float64Array(HIDDEN);
    const logits = new Float64Array(classes);
    for (let n = 0; n < count; n++) {
      forward(wt, inputSize, classes, images, n * inputSize, hidden, logits);
      if (keep === 'features') out.set(hidden, n * HIDDEN);
      else {
        softmaxInPlace(logits);
        out.set(logits, n * classes);
      }
    }
    return out;
  };
  return { inputSize, classes, features: (x) => run(x, 'features'), predict: (x) => run(x, 'probs') };
}

/** Trains the MLP (see the file header) on `images` (count × inputSize floats) with `labels` in 0..classes-1. */
export function trainClassifier(images: Float32Array, labels: Uint8Array, classes: number, seed = SEED): FrozenClassifier {
  const count = labels.length;
  const inputSize = images.length / count;
  const next = mulberry32(seed);
  const uniform = (limit: number) => (next() / 4294967296) * 2 * limit - limit;
  const wt: Weights = {
    w1: Float64Array.from({ length: HIDDEN * inputSize }, () => uniform(Math.sqrt(6 / (inputSize + HIDDEN)))),
    b1: new Float64Array(HIDDEN),
    w2: Float64Array.from({ length: classes * HIDDEN }, () => uniform(Math.sqrt(6 / (HIDDEN + classes)))),
    b2: new Float64Array(classes),
  };
  const params = [wt.w1, wt.b1, wt.w2, wt.b2];
  const grads = params.map((p) => new Float64Array(p.length));
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const [g1, gb1, g2, gb2] = grads as [Float64Array, Float64Array, Float64Array, Float64Array];
  const hidden = new Float64Array(HIDDEN);
  const logits = new Float64Array(classes);
  const dHidden = new Float64Array(HIDDEN);
  let step = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const order = permutation(count, (seed + epoch + 1) >>> 0);
    for (let start = 0; start < count; start += BATCH) {
      const end = Math.min(count, start + BATCH);
      for (const g of grads) g.fill(0);
      for (let b = start; b < end; b++) {
        const n = order[b]!;
        const at = n * inputSize;
        forward(wt, inputSize, classes, images, at, hidden, logits);
        softmaxInPlace(logits);
        logits[labels[n]!]! -= 1; // d CE / d logits
        dHidden.fill(0);
        for (let c = 0; c < classes; c++) {
          const d = logits[c]!;
          gb2[c]! += d;
          for (let h = 0; h < HIDDEN; h++) {
            g2[c * HIDDEN + h]! += d * hidden[h]!;
            dHidden[h]! += d * wt.w2[c * HIDDEN + h]!;
          }
        }
        for (let h = 0; h < HIDDEN; h++) {
          if (hidden[h]! <= 0) continue;
          const d = dHidden[h]!;
          gb1[h]! += d;
          const row = h * inputSize;
          for (let i = 0; i < inputSize; i++) g1[row + i]! += d * images[at + i]!;
        }
      }
      step++;
      const scale = 1 / (end - start);
      const correction1 = 1 - 0.9 ** step;
      const correction2 = 1 - 0.999 ** step;
      params.forEach((p, k) => {
        const g = grads[k]!;
        const mk = m[k]!;
        const vk = v[k]!;
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! * scale;
          mk[i] = 0.9 * mk[i]! + 0.1 * gi;
          vk[i] = 0.999 * vk[i]! + 0.001 * gi * gi;
          p[i]! -= (LEARNING_RATE * (mk[i]! / correction1)) / (Math.sqrt(vk[i]! / correction2) + 1e-8);
        }
      });
    }
  }
  return frozen(wt, inputSize, classes);
}

const memo = new Map<string, FrozenClassifier>();
const MEMO_LIMIT = 8;

function memoised(kind: string, images: Uint8Array, labels: Uint8Array, classes: number): FrozenClassifier {
  const key = createHash('sha1').update(kind).update(images).update(labels).update(String(classes)).digest('hex');
  let classifier = memo.get(key);
  if (classifier === undefined) {
    classifier = trainClassifier(toFloat(images), labels, classes);
    if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value!);
    memo.set(key, classifier);
  }
  return classifier;
}

function need(examples: ExampleSet, problem: ExampleSet['problem'], what: string): void {
  if (examples.problem !== problem) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `the ${what} classifier is trained on ${problem} examples, got ${examples.problem}`);
  }
}

/** The domain classifier of a domain-translation example set (memoised). */
export function domainClassifier(examples: ExampleSet): FrozenClassifier {
  need(examples, 'domain-translation', 'domain');
  const { source, target, sourceDomain, targetDomain } = examples.train.arrays;
  const images = new Uint8Array(source!.data.length + target!.data.length);
  images.set(source!.data);
  images.set(target!.data, source!.data.length);
  const labels = new Uint8Array(sourceDomain!.data.length + targetDomain!.data.length);
  labels.set(sourceDomain!.data);
  labels.set(targetDomain!.data, sourceDomain!.data.length);
  return memoised('domain', images, labels, examples.domains);
}

/** The class classifier of an introspective-synthesis example set (memoised). */
export function classClassifier(examples: ExampleSet): FrozenClassifier {
  need(examples, 'introspective-synthesis', 'class');
  const { real, label } = examples.train.arrays;
  return memoised('class', real!.data, label!.data, examples.domains);
}
