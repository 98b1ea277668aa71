/** What every engine does at an epoch end for `TrainRequest.shouldContinue`: ask before every epoch but the last, stop as `pruned`. */
import type { EpochRecord, TrainOutcome, TrainRequest } from './engine.js';

/** Whether the training stops after `record` (never after the last of `epochs` epochs: stopping there saves nothing). */
export async function stopsAfter(shouldContinue: TrainRequest['shouldContinue'], record: EpochRecord, epochs: number): Promise<boolean> {
  if (shouldContinue === undefined || record.epoch >= epochs) return false;
  return !(await shouldContinue(record));
}

/** The outcome of a training stopped after the last epoch of `curve`: its accuracy is that epoch's. */
export function prunedOutcome(curve: EpochRecord[], trainSeconds: number, evalSeconds: number, images: number): TrainOutcome {
  return {
    status: 'pruned',
    accuracy: curve.at(-1)?.valAccuracy ?? null,
    curve,
    trainSeconds,
    evalSeconds,
    imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
  };
}
