/**
 * An image-to-image job in any engine: the same examples, the engine's generative
 * training, the same scoring. The engine only trains role networks and hands back its
 * eval-split outputs (generative.ts); the examples and the metrics are the task's
 * (src/task/image2image), so two engines are compared on exactly the same numbers.
 *
 * - Examples are made once per task (not per candidate) from the dataset's training
 *   split, seeded by the dataset seed, and kept on disk (cache.ts): every candidate of a
 *   run trains and is scored on the same examples, whatever its own seed.
 * - The score is the reward's accuracy term (in [0, 1], higher is better); every other
 *   metric of the problem is kept in `extra`, and a sample grid (inputs, outputs,
 *   targets) travels with the result for the dashboard.
 * - Bad outputs never become a silent zero: non-finite outputs and mode collapse
 *   (src/task/image2image/metrics.ts detects both) end the job `diverged`, naming the
 *   problem; a missing or misshapen output is an engine bug and ends it `failed`.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { loadExamples } from '../task/image2image/cache.js';
import { GenerativeOutputError, scoreOutputs } from '../task/image2image/metrics.js';
import { sampleGrid } from '../task/image2image/sample-grid.js';
import type { Image2ImageTask } from '../task/image2image/schema.js';
import type { EpochProgress, EpochRecord, TrainOutcome, TrainRequest } from './engine.js';
import type { GenerativeEpochRecord, TrainGenerative } from './generative.js';

/**
 * Terms of the generators' objective as the procedures name them (both engines): adversarial, reconstruction, mask, cycle,
 * style, segmentation.
 */
const GENERATOR_TERMS = ['adv', 'l1', 'mask', 'cycle', 'style', 'seg'];

/**
 * A generative epoch as a curve point. Its loss is the generators' objective: StarGAN's `g`,
 * VUNet's `loss`, else the sum of the generator terms a procedure reports (pix2pix, SeGAN,
 * PairedCycleGAN), and WINN's critic loss where there is no generator.
 */
function epochRecord(record: GenerativeEpochRecord, task: Image2ImageTask): EpochRecord {
  const losses = record.losses;
  const terms = GENERATOR_TERMS.filter((t) => t in losses);
  const summed = terms.length > 0 ? terms.reduce((sum, t) => sum + losses[t]!, 0) : undefined;
  const loss = losses.g ?? losses.loss ?? summed ?? losses.critic ?? Object.values(losses)[0] ?? Number.NaN;
  return {
    epoch: record.epoch,
    loss,
    trainAccuracy: Number.NaN,
    valAccuracy: Number.NaN,
    learningRate: task.recipe.learningRate,
    seconds: record.seconds,
  };
}

export async function trainImage2Image(
  request: TrainRequest,
  train: TrainGenerative,
  signal: AbortSignal,
  onProgress: (progress: EpochProgress) => void,
): Promise<TrainOutcome> {
  const task = request.task;
  if (task.kind !== 'image2image') throw new BlockqnnError(ErrorCode.INTERNAL, 'unreachable: not an image-to-image task');
  if (!request.networks || Object.keys(request.networks).length === 0) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `an image-to-image job needs its role networks (${task.procedure})`);
  }
  const { examples } = await loadExamples(task, task.dataset.seed);
  const outcome = await train({ task, examples, networks: request.networks, seed: request.seed }, signal, (p) => {
    const record = epochRecord(p, task);
    onProgress({ ...record, epochs: p.epochs, imagesPerSecond: (examples.train.count * 1000) / Math.max(1, p.seconds * 1000) });
  });
  const curve = outcome.curve.map((r) => epochRecord(r, task));
  const trainSeconds = outcome.trainSeconds;
  const base = { curve, trainSeconds, imagesPerSecond: trainSeconds > 0 ? (examples.train.count * curve.length) / trainSeconds : null };
  if (outcome.status !== 'ok' || !outcome.outputs) {
    return {
      ...base,
      status: outcome.status === 'ok' ? 'failed' : outcome.status,
      accuracy: null,
      evalSeconds: 0,
      error: outcome.error ?? `the engine returned no outputs for ${task.problem}`,
    };
  }
  const scoring = performance.now();
  try {
    const scores = scoreOutputs(task, examples, outcome.outputs);
    if (curve.length > 0) curve[curve.length - 1]!.valAccuracy = scores.score;
    return {
      ...base,
      status: 'ok',
      accuracy: scores.score,
      evalSeconds: (performance.now() - scoring) / 1000,
      extra: scores.metrics,
      samples: sampleGrid(examples, outcome.outputs),
    };
  } catch (error) {
    if (!(error instanceof GenerativeOutputError)) throw error;
    const status = error.reason === 'non-finite' || error.reason === 'mode-collapse' ? 'diverged' : 'failed';
    return { ...base, status, accuracy: null, evalSeconds: (performance.now() - scoring) / 1000, error: error.message };
  }
}
