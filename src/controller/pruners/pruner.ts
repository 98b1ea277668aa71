/**
 * The pruner port: at the end of an epoch, continue or prune a candidate, from
 * its own validation-accuracy curve and a frozen view of the other candidates at
 * that epoch. The shape is Optuna's (`BasePruner.prune(study, trial)` over
 * frozen trials), split in two so that a worker reads from the pruning board
 * (src/queue/pruning-board.ts) only what a decision needs, in the one round trip
 * that also records its own value, and makes no round trip at all at the epochs
 * where its pruner never prunes.
 *
 * Epochs are 1-based: epoch k's value is the validation accuracy after k epochs
 * of training. Decisions come at the end of epochs 1 .. E−1 of an E-epoch recipe
 * (stopping after the last epoch saves nothing); a pruner is created for one
 * recipe's E and answers `needs(k) === null` for every k ≥ E.
 *
 * @example
 * const pruner = createPruner({ name: 'median', options: { startupCandidates: 3 } }, 12);
 * const needs = pruner.needs(epoch);              // null: this pruner never prunes at this epoch
 * if (needs) {
 *   const view = await board.report(runId, hash, epoch, accuracy, needs); // records, then reads
 *   if (pruner.decide(curve, view) === 'prune') return stop();
 * }
 */

export type PruneDecision = 'continue' | 'prune';

/** What a decision at an epoch end reads from the board, besides the count of completed candidates (always read). */
export interface EpochNeeds {
  /** The values every candidate reported at this epoch, this one included. */
  readonly reported: boolean;
  /** The values at this epoch of the candidates that completed the recipe. */
  readonly completed: boolean;
}

/** The board at one epoch, frozen at the moment this candidate recorded its own value there. */
export interface EpochView {
  /** 1-based. */
  readonly epoch: number;
  /** Candidates that trained every epoch of the recipe (status ok). */
  readonly completedCount: number;
  /** Values reported at `epoch` by every candidate that reached it, this one included when its value is a number; empty unless asked for. */
  readonly reported: readonly number[];
  /** Values at `epoch` of the completed candidates (NaN where one had none); empty unless asked for. */
  readonly completed: readonly number[];
}

export interface Pruner {
  /** The registered name. */
  readonly name: string;
  /** What the decision at the end of `epoch` reads; null where this pruner never prunes, so the worker skips the board there. */
  needs(epoch: number): EpochNeeds | null;
  /**
   * The decision at the end of epoch `view.epoch`, for an epoch where `needs` is not null.
   * `curve[i]` is this candidate's validation accuracy after epoch i + 1 (NaN where it had none), i < view.epoch.
   */
  decide(curve: readonly number[], view: EpochView): PruneDecision;
}

/** A pruner as jobs and configurations carry it: a registered name and its options (defaults filled in by `normalizePrunerSpec`). */
export interface PrunerSpec {
  readonly name: string;
  readonly options?: Readonly<Record<string, number>> | undefined;
}
