/**
 * Metrics and the search reward of the image-to-image problems. Pure functions on Float32 images
 * in [0, 1] ([N, S, S, C] flattened, channels-last), plus `scoreOutputs`, which turns an engine's
 * eval-split outputs (names: schema.ts PROBLEM_OUTPUTS) into one score in [0, 1] (higher is
 * better: the reward before FLOPs/density shaping) and the metrics the issue names:
 *
 * | problem                 | score                                   | also reported |
 * |-------------------------|-----------------------------------------|---------------|
 * | amodal-completion       | IoU of the invisible region             | full-mask IoU, L1 inside the invisible region, L1 |
 * | domain-translation      | frozen domain classifier's accuracy on the outputs (target domain) | L1 to the target, cycle L1 (back to the source), the classifier's accuracy on the true targets; with two label sets each set's accuracy |
 * | style-transfer          | 1 − mean(L1 apply, L1 remove)           | both L1s, both SSIMs |
 * | shape-guided            | SSIM, clipped at 0                       | L1 |
 * | introspective-synthesis | confidence × exp(−FD / trΣ_real)         | confidence, FD, trΣ_real, sample variance, the real eval images' confidence and FD (train vs eval) |
 *
 * IoU and the invisible-region L1 are pooled over the split (intersections and unions summed over
 * all examples), so examples with small regions weigh by their size. The invisible region is
 * fullMask ∧ ¬visible; the predicted one is (mask > 0.5) ∧ ¬visible. Synthesis: confidence = mean
 * over samples of the frozen class classifier's top probability; FD = Fréchet distance between
 * its hidden features of the samples and of the eval split's real images (frechet.ts); trΣ_real =
 * the total variance of those real features, so samples collapsed onto the real mean score
 * confidence × e⁻¹ and a perfect sampler (FD ≈ 0) scores its confidence.
 *
 * Bad outputs are errors, never a silent zero: a missing or mis-sized output, a non-finite value,
 * or mode collapse (mean per-pixel variance across the outputs below COLLAPSE_VARIANCE and below a
 * tenth of their ground truth's: every input got the same picture where the truth varies) throw a
 * GenerativeOutputError naming it.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { type FrozenClassifier, accuracy, classClassifier, domainClassifier, HIDDEN } from './frozen-classifier.js';
import { frechetDistance, gaussianFit, trace } from './frechet.js';
import { toFloat } from './image-ops.js';
import { PROBLEM_OUTPUTS } from './schema.js';
import type { ExampleSet, Image2ImageProblem, Image2ImageTask } from './schema.js';

/** Mean per-pixel variance across outputs below which they count as one collapsed mode. */
export const COLLAPSE_VARIANCE = 1e-4;
/** Samples the trivial synthesis answer repeats when the task gives no recipe. */
const DEFAULT_SAMPLES = 64;

export type OutputProblem = 'missing-output' | 'wrong-size' | 'non-finite' | 'mode-collapse';

/** Outputs that cannot be scored; `reason` tells a worker which status to report. */
export class GenerativeOutputError extends BlockqnnError {
  readonly reason: OutputProblem;
  constructor(reason: OutputProblem, message: string, hint: string) {
    super(ErrorCode.INVALID_INPUT, message, { hint, details: { reason } });
    this.name = 'GenerativeOutputError';
    this.reason = reason;
  }
}

export interface Scores {
  /** In [0, 1], higher is better: the search reward before shaping. */
  score: number;
  metrics: Record<string, number>;
}

/** What scoring reads of a task. */
export type ScoredTask = Pick<Image2ImageTask, 'problem'> & { recipe?: { samples: number } };

/** Mean absolute difference. */
export function l1(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Mean absolute difference over the pixels (all channels) where `mask` > 0.5; 0 when none. */
export function maskedL1(a: Float32Array, b: Float32Array, mask: Float32Array, channels: number): number {
  let sum = 0;
  let count = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!(mask[p]! > 0.5)) continue;
    for (let c = 0; c < channels; c++) sum += Math.abs(a[p * channels + c]! - b[p * channels + c]!);
    count += channels;
  }
  return count === 0 ? 0 : sum / count;
}

/** Pooled IoU of two masks binarised at 0.5; 1 when both are empty. */
export function iou(prediction: Float32Array, truth: Float32Array): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < truth.length; i++) {
    const p = prediction[i]! > 0.5;
    const t = truth[i]! > 0.5;
    if (p && t) both++;
    if (p || t) either++;
  }
  return either === 0 ? 1 : both / either;
}

const SSIM_SIGMA = 1.5;
const SSIM_RADIUS = 5; // 11 × 11 window, Wang et al.'s
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;
const GAUSS = Float64Array.from({ length: 2 * SSIM_RADIUS + 1 }, (_, i) => Math.exp(-((i - SSIM_RADIUS) ** 2) / (2 * SSIM_SIGMA ** 2)));

/** Separable Gaussian blur of one plane, the window truncated and renormalised at the borders. */
function blur(plane: Float64Array, size: number): Float64Array {
  const pass = (src: Float64Array, horizontal: boolean): Float64Array => {
    const out = new Float64Array(src.length);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let sum = 0;
        let weight = 0;
        for (let k = -SSIM_RADIUS; k <= SSIM_RADIUS; k++) {
          const xx = horizontal ? x + k : x;
          const yy = horizontal ? y : y + k;
          if (xx < 0 || yy < 0 || xx >= size || yy >= size) continue;
          const w = GAUSS[k + SSIM_RADIUS]!;
          sum += w * src[yy * size + xx]!;
          weight += w;
        }
        out[y * size + x] = sum / weight;
      }
    }
    return out;
  };
  return pass(pass(plane, true), false);
}

/**
 * SSIM (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004): Gaussian window σ = 1.5 (11 × 11,
 * truncated and renormalised at the borders so every pixel counts at these small sizes),
 * C1 = (0.01·L)², C2 = (0.03·L)², L = 1; the mean of the SSIM map per image and channel, averaged.
 */
export function ssim(a: Float32Array, b: Float32Array, size: number, channels: number): number {
  const plane = size * size;
  const count = a.length / (plane * channels);
  let total = 0;
  const x = new Float64Array(plane);
  const y = new Float64Array(plane);
  for (let n = 0; n < count; n++) {
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < plane; p++) {
        x[p] = a[(n * plane + p) * channels + c]!;
        y[p] = b[(n * plane + p) * channels + c]!;
      }
      const mx = blur(x, size);
      const my = blur(y, size);
      const xx = blur(
        x.map((v) => v * v),
        size,
      );
      const yy = blur(
        y.map((v) => v * v),
        size,
      );
      const xy = blur(
        x.map((v, p) => v * y[p]!),
        size,
      );
      let sum = 0;
      for (let p = 0; p < plane; p++) {
        const vx = xx[p]! - mx[p]! ** 2;
        const vy = yy[p]! - my[p]! ** 2;
        const cxy = xy[p]! - mx[p]! * my[p]!;
        sum += ((2 * mx[p]! * my[p]! + C1) * (2 * cxy + C2)) / ((mx[p]! ** 2 + my[p]! ** 2 + C1) * (vx + vy + C2));
      }
      total += sum / plane;
    }
  }
  return total / (count * channels);
}

/** Mean over pixels of the variance across the N images (each image `len` values). */
export function varianceAcross(images: Float32Array, len: number): number {
  const count = images.length / len;
  let total = 0;
  for (let i = 0; i < len; i++) {
    let sum = 0;
    let squares = 0;
    for (let n = 0; n < count; n++) {
      const v = images[n * len + i]!;
      sum += v;
      squares += v * v;
    }
    const mean = sum / count;
    total += Math.max(0, squares / count - mean * mean);
  }
  return total / len;
}

/** The eval array each output is compared with (its ground truth; synthesis: the real images). */
const TRUTH: Record<Image2ImageProblem, Record<string, string>> = {
  'amodal-completion': { mask: 'fullMask', image: 'full' },
  'domain-translation': { image: 'target', cycle: 'source' },
  'style-transfer': { applied: 'styled', removed: 'plain' },
  'shape-guided': { image: 'target' },
  'introspective-synthesis': { samples: 'real' },
};

function checkOutputs(
  problem: Image2ImageProblem,
  examples: ExampleSet,
  outputs: Record<string, Float32Array>,
  checkCollapse: boolean,
): void {
  const expected = PROBLEM_OUTPUTS(problem, examples.channels);
  const pixels = examples.imageSize * examples.imageSize;
  for (const [name, channels] of Object.entries(expected)) {
    const output = outputs[name];
    if (output === undefined) {
      throw new GenerativeOutputError(
        'missing-output',
        `${problem} outputs lack "${name}" (expected ${Object.keys(expected).join(', ')})`,
        'the engine must return every output its problem names (src/task/image2image/schema.ts PROBLEM_OUTPUTS)',
      );
    }
    const len = pixels * channels;
    const count = output.length / len;
    const countOk = problem === 'introspective-synthesis' ? Number.isInteger(count) && count >= 2 : count === examples.eval.count;
    if (!countOk) {
      throw new GenerativeOutputError(
        'wrong-size',
        `${problem} output "${name}" holds ${output.length} values, expected ${problem === 'introspective-synthesis' ? `a multiple (≥ 2) of ${len}` : examples.eval.count * len} (${examples.eval.count} eval examples × ${examples.imageSize}×${examples.imageSize}×${channels})`,
        'outputs are [N, S, S, channels] flattened over the eval split',
      );
    }
    for (let i = 0; i < output.length; i++) {
      if (!Number.isFinite(output[i])) {
        throw new GenerativeOutputError(
          'non-finite',
          `${problem} output "${name}" has a non-finite value (${output[i]}) at index ${i}`,
          'the training diverged: lower the learning rate or the loss weights',
        );
      }
    }
    if (!checkCollapse) continue;
    const variance = varianceAcross(output, len);
    const truth = varianceAcross(toFloat(examples.eval.arrays[TRUTH[problem][name]!]!.data), len);
    if (variance < COLLAPSE_VARIANCE && variance < 0.1 * truth) {
      throw new GenerativeOutputError(
        'mode-collapse',
        `mode collapse: ${problem} output "${name}" is the same picture for every example (variance across outputs ${variance.toExponential(2)} < ${COLLAPSE_VARIANCE})`,
        'the generator ignores its input or noise; train longer, lower the learning rate, or use another procedure',
      );
    }
  }
}

const clamp01 = (image: Float32Array): Float32Array => image.map((v) => Math.min(1, Math.max(0, v)));

function score(task: ScoredTask, examples: ExampleSet, raw: Record<string, Float32Array>, checkCollapse: boolean): Scores {
  const { problem } = task;
  checkOutputs(problem, examples, raw, checkCollapse);
  const out = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, clamp01(v)])) as Record<string, Float32Array>;
  const ev = Object.fromEntries(Object.entries(examples.eval.arrays).map(([k, v]) => [k, v.data])) as Record<string, Uint8Array>;
  const image = (name: string) => toFloat(ev[name]!);
  const { imageSize: s, channels: c } = examples;
  switch (problem) {
    case 'amodal-completion': {
      const visible = image('visible');
      const full = image('fullMask');
      const hiddenTruth = full.map((m, p) => (m > 0.5 && !(visible[p]! > 0.5) ? 1 : 0));
      const hiddenPred = out.mask!.map((m, p) => (m > 0.5 && !(visible[p]! > 0.5) ? 1 : 0));
      const invisibleIoU = iou(hiddenPred, hiddenTruth);
      const target = image('full');
      const metrics = {
        invisibleIoU,
        maskIoU: iou(out.mask!, full),
        invisibleL1: maskedL1(out.image!, target, hiddenTruth, c),
        l1: l1(out.image!, target),
      };
      return { score: invisibleIoU, metrics };
    }
    case 'domain-translation': {
      const classifier = domainClassifier(examples);
      const domainAccuracy = accuracy(classifier, out.image!, ev.targetDomain!);
      const target = image('target');
      const metrics = {
        domainAccuracy,
        targetL1: l1(out.image!, target),
        cycleL1: l1(out.cycle!, image('source')),
        realDomainAccuracy: accuracy(classifier, target, ev.targetDomain!),
        ...labelSetAccuracies(examples, classifier, out.image!, ev),
      };
      return { score: domainAccuracy, metrics };
    }
    case 'style-transfer': {
      const [styled, plain] = [image('styled'), image('plain')];
      const applyL1 = l1(out.applied!, styled);
      const removeL1 = l1(out.removed!, plain);
      const metrics = { applyL1, removeL1, applySsim: ssim(out.applied!, styled, s, c), removeSsim: ssim(out.removed!, plain, s, c) };
      return { score: Math.max(0, 1 - (applyL1 + removeL1) / 2), metrics };
    }
    case 'shape-guided': {
      const target = image('target');
      const value = ssim(out.image!, target, s, c);
      return { score: Math.max(0, value), metrics: { ssim: value, l1: l1(out.image!, target) } };
    }
    case 'introspective-synthesis': {
      const classifier = classClassifier(examples);
      const real = image('real');
      const realFeatures = classifier.features(real);
      const samples = out.samples!;
      const confidence = meanTopProbability(classifier.predict(samples), classifier.classes);
      const frechet = frechetDistance(classifier.features(samples), realFeatures, HIDDEN);
      const scale = Math.max(1e-12, trace(gaussianFit(realFeatures, HIDDEN).cov, HIDDEN));
      const metrics = {
        confidence,
        frechetDistance: frechet,
        frechetScale: scale,
        sampleVariance: varianceAcross(samples, s * s * c),
        realConfidence: meanTopProbability(classifier.predict(real), classifier.classes),
        realFrechetDistance: frechetDistance(classifier.features(toFloat(examples.train.arrays.real!.data)), realFeatures, HIDDEN),
      };
      return { score: confidence * Math.exp(-frechet / scale), metrics };
    }
  }
}

/** With several label sets (task.secondDataset): the domain accuracy on each set's eval examples, `domainAccuracySet<i>`. */
function labelSetAccuracies(
  examples: ExampleSet,
  classifier: FrozenClassifier,
  images: Float32Array,
  ev: Record<string, Uint8Array>,
): Record<string, number> {
  const sets = examples.labelSets ?? 1;
  if (sets <= 1) return {};
  const len = examples.imageSize * examples.imageSize * examples.channels;
  const out: Record<string, number> = {};
  for (let set = 0; set < sets; set++) {
    const rows = [...ev.labelSet!.keys()].filter((i) => ev.labelSet![i] === set);
    const picked = new Float32Array(rows.length * len);
    rows.forEach((row, j) => picked.set(images.subarray(row * len, (row + 1) * len), j * len));
    out[`domainAccuracySet${set}`] = accuracy(
      classifier,
      picked,
      rows.map((row) => ev.targetDomain![row]!),
    );
  }
  return out;
}

function meanTopProbability(probs: Float64Array, classes: number): number {
  const count = probs.length / classes;
  let sum = 0;
  for (let n = 0; n < count; n++) {
    let top = 0;
    for (let k = 0; k < classes; k++) top = Math.max(top, probs[n * classes + k]!);
    sum += top;
  }
  return sum / count;
}

/** Scores an engine's eval-split outputs (see the file header); throws GenerativeOutputError on bad outputs. */
export function scoreOutputs(task: ScoredTask, examples: ExampleSet, outputs: Record<string, Float32Array>): Scores {
  if (task.problem !== examples.problem) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `a ${task.problem} task cannot score ${examples.problem} examples`);
  }
  return score(task, examples, outputs, true);
}

/**
 * The trivial answer's outputs: identity (the input image: occluded, source, plain for apply and
 * styled for remove, the appearance image), the visible mask for amodal masks, and for synthesis
 * the mean training image repeated recipe.samples times.
 */
export function trivialOutputs(task: ScoredTask, examples: ExampleSet): Record<string, Float32Array> {
  const ev = examples.eval.arrays;
  const f = (name: string) => toFloat(ev[name]!.data);
  switch (task.problem) {
    case 'amodal-completion':
      return { mask: f('visible'), image: f('occluded') };
    case 'domain-translation':
      return { image: f('source'), cycle: f('source') };
    case 'style-transfer':
      return { applied: f('plain'), removed: f('styled') };
    case 'shape-guided':
      return { image: f('appearance') };
    case 'introspective-synthesis': {
      const train = toFloat(examples.train.arrays.real!.data);
      const len = examples.imageSize * examples.imageSize * examples.channels;
      const mean = new Float32Array(len);
      for (let i = 0; i < train.length; i++) mean[i % len]! += train[i]! / examples.train.count;
      const samples = task.recipe?.samples ?? DEFAULT_SAMPLES;
      const out = new Float32Array(samples * len);
      for (let n = 0; n < samples; n++) out.set(mean, n * len);
      return { samples: out };
    }
  }
}

/** The trivial answer's scores (mode collapse is the trivial synthesis answer, so it is not checked here). */
export function trivialScores(task: ScoredTask, examples: ExampleSet): Scores {
  return score(task, examples, trivialOutputs(task, examples), false);
}
