/**
 * The engine port: what a worker needs from a training backend. An engine turns
 * an IR and a training task into an evaluation outcome; it never touches the
 * queue or the database.
 *
 * @example
 * const engine = engines.get('tfjs');
 * const outcome = await engine.train({ ir, task, seed: 1 }, signal, (p) => console.log(p.epoch, p.loss));
 * if (outcome.status === 'ok') console.log(outcome.accuracy);
 */
import type { NetworkIr } from '../search-space/index.js';
import type { SampleGrid } from '../task/image2image/sample-grid.js';
import type { TrainingTask } from '../task/task.js';

/** How a training ends (common/statuses.ts): `pruned` is one its request's `shouldContinue` stopped at an epoch end. */
export type { EvaluationStatus } from '../common/statuses.js';
import type { EvaluationStatus } from '../common/statuses.js';
import type { EnvironmentCause } from '../common/failure-causes.js';

export interface EpochRecord {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  valAccuracy: number;
  learningRate: number;
  seconds: number;
}

export interface EpochProgress extends EpochRecord {
  epochs: number;
  imagesPerSecond: number;
}

export interface TrainRequest {
  /** The network; absent for lookup tasks, which read `candidateKey` (the queue contract requires it for classification). */
  ir?: NetworkIr | undefined;
  /** An image-to-image task's role networks (the queue contract requires them for that task kind). */
  networks?: Record<string, NetworkIr> | undefined;
  task: TrainingTask;
  seed: number;
  /** For lookup engines: the candidate's key in the table (e.g. a NAS-Bench-201 arch string). */
  candidateKey?: string | undefined;
  /** Split the accuracy is measured on: `validation` (the search's default) or `test` (a final training). */
  evaluateOn?: 'validation' | 'test' | undefined;
  /** Return the trained weights (src/engines/checkpoint.ts format) in the outcome when training ends ok. */
  checkpoint?: boolean | undefined;
  /**
   * Asked after every epoch but the last, with that epoch's record, before the next epoch starts: false stops
   * the training there with status `pruned` (curve and accuracy of the epochs trained). Absent: every epoch
   * trains. The worker answers from the job's pruner (src/worker/pruning.ts); engines without epochs ignore it.
   */
  shouldContinue?: ((record: EpochRecord) => Promise<boolean>) | undefined;
  /** The job's time limit (the worker aborts the signal when it passes); engines running user code tell it the budget. */
  timeLimitSeconds?: number | undefined;
}

export interface TrainOutcome {
  status: EvaluationStatus;
  /** Validation accuracy in [0, 1] after the last epoch (the early-stop accuracy). */
  accuracy: number | null;
  curve: EpochRecord[];
  trainSeconds: number;
  evalSeconds: number;
  imagesPerSecond: number | null;
  /** Extra per-candidate numbers an engine knows (a table's report column, say). */
  extra?: Record<string, number> | undefined;
  error?: string | undefined;
  /** A failure the host is at fault for, not the candidate (common/failure-causes.ts): the controller pauses a run after a few. */
  cause?: EnvironmentCause | undefined;
  /** The trained weights as a safetensors file's bytes, when the request asked for them and status is ok. */
  checkpoint?: Uint8Array | undefined;
  /** An image-to-image result's sample grid (inputs, outputs, targets of a few eval examples). */
  samples?: SampleGrid | undefined;
}

/** Thrown by an engine whose abort signal fired (cancellation, time limit, hand-back): not a result. */
export class TrainingAborted extends Error {
  constructor(readonly reason: unknown) {
    super(`training aborted: ${String(reason)}`);
  }
}

export interface Engine {
  /** Registered name, recorded with every result: rewards from different engines are not comparable. */
  readonly name: string;
  /** Backend and version, e.g. "tfjs 4.22.0 (cpu, pure JS)". */
  describe(): string;
  /**
   * Trains one candidate. Every candidate gets an outcome: an error inside the
   * engine is a `failed` outcome naming the cause (out of memory: `too_large`),
   * never a rejection; only an aborted `signal` rejects, with {@link TrainingAborted}.
   * `answerEveryCandidate` (failure.ts) implements the rule around an engine's body.
   */
  train(request: TrainRequest, signal: AbortSignal, onProgress: (progress: EpochProgress) => void): Promise<TrainOutcome>;
  /** Releases child processes or native memory. */
  close?(): Promise<void>;
}
