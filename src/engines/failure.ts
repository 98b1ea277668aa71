/**
 * The engine port's error rule: `train()` answers every candidate with an
 * outcome. Whatever goes wrong inside an engine (an op it cannot compile, a
 * dataset that does not fit, a trainer process that died, a bug) comes back as
 * a `failed` outcome whose error names the cause, and running out of memory as
 * `too_large`, which the controller learns from. Only cancellation leaves
 * `train()` as an exception: {@link TrainingAborted}, which is not a result.
 *
 * @example
 * train(request, signal, onProgress) {
 *   return answerEveryCandidate(signal, () => this.trainNow(request, signal, onProgress));
 * }
 */
import { BlockqnnError, EnvironmentError, ErrorCode } from '../common/errors.js';
import type { EnvironmentCause } from '../common/failure-causes.js';
import { type TrainOutcome, TrainingAborted } from './engine.js';

const OUT_OF_MEMORY = /out of memory|OOM|Cannot allocate|allocation failed|CUDA error: out of memory|std::bad_alloc/i;

/** Whether an error means the network did not fit in memory (a result to learn from, not a fault). */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && (OUT_OF_MEMORY.test(error.message) || error instanceof RangeError);
}

/** A full disk as Node reports it (errno ENOSPC) or as a child process (the torch trainer) writes it. */
const DISK_FULL = /ENOSPC|No space left on device/;

/**
 * The environmental cause of an error (common/failure-causes.ts), or undefined when the candidate may be at
 * fault: a typed {@link EnvironmentError} (a dataset missing here), an engine that cannot run here, a full disk.
 */
export function environmentCause(error: unknown): EnvironmentCause | undefined {
  if (error instanceof EnvironmentError) return error.environment;
  if (error instanceof BlockqnnError && error.code === ErrorCode.ENGINE_UNAVAILABLE) return 'engine_unavailable';
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC' || DISK_FULL.test(e.message)) return 'disk_full';
  }
  return undefined;
}

/** Stack frames kept in the error of an unexpected failure, so a report names where it happened. */
const FRAMES = 3;

/** The error text of a failed outcome: a project error's code, message and hint; anything else's type, message and where. */
export function describeEngineError(error: unknown): string {
  if (error instanceof BlockqnnError) return `${error.code}: ${error.describe()}`;
  if (error instanceof Error) {
    const frames = (error.stack ?? '')
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .slice(0, FRAMES);
    return [`${error.name}: ${error.message}`, ...frames.map((f) => f.trim())].join('\n  ');
  }
  return `unexpected error: ${String(error)}`;
}

/** An outcome for a candidate the engine could not train. */
export function failureOutcome(error: unknown): TrainOutcome {
  const cause = environmentCause(error);
  return {
    ...(cause ? { cause } : {}),
    status: isOutOfMemory(error) ? 'too_large' : 'failed',
    accuracy: null,
    curve: [],
    trainSeconds: 0,
    evalSeconds: 0,
    imagesPerSecond: null,
    error: describeEngineError(error).slice(0, 4000),
  };
}

/**
 * Runs one training and turns any error into an outcome; an aborted signal
 * (cancellation, a time limit, a hand-back) stays a {@link TrainingAborted}.
 */
export async function answerEveryCandidate(signal: AbortSignal, train: () => Promise<TrainOutcome>): Promise<TrainOutcome> {
  try {
    return await train();
  } catch (error) {
    if (error instanceof TrainingAborted) throw error;
    if (signal.aborted) throw new TrainingAborted(signal.reason);
    return failureOutcome(error);
  }
}
