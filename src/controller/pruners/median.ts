/**
 * `median`: the median stopping rule as Optuna's MedianPruner implements it
 * (optuna/pruners/_median.py, a PercentilePruner at the 50th percentile;
 * Golovin et al., "Google Vizier", KDD 2017). Maximising validation accuracy,
 * a candidate is pruned at the end of epoch k when its best accuracy so far is
 * below the median of the accuracies at epoch k of the candidates that
 * completed the recipe.
 *
 * Optuna's steps start at zero; here step = epoch − 1, so that `warmupEpochs: w`
 * means "no decision at the end of the first w epochs", as Optuna's
 * `n_warmup_steps` means for a step counted from zero. In order, as Optuna:
 * 1. fewer than max(1, startupCandidates) completed candidates → continue;
 * 2. step < warmupEpochs, or not the first reported step of its interval → continue;
 * 3. best value so far (NaN-ignoring max) is NaN → prune;
 * 4. fewer than minCandidates completed candidates have a value at epoch k
 *    (NaN included, as Optuna counts them) → continue;
 * 5. prune iff best < nanpercentile(those values, 50) (NaN median → continue).
 */
import { z } from 'zod';
import { isFirstInIntervalStep, nanMax, nanPercentile } from './percentile.js';
import type { EpochNeeds, EpochView, Pruner, PruneDecision } from './pruner.js';

const count = (what: string, min: number) =>
  z
    .number({ error: `must be a number: ${what}` })
    .int(`must be a whole number: ${what}`)
    .min(min, `must be >= ${min}: ${what}`);

export const medianOptionsSchema = z.strictObject({
  /** Optuna's n_startup_trials: no pruning until this many candidates completed the recipe. */
  startupCandidates: count('candidates that must complete before any pruning', 0).default(5),
  /** Optuna's n_warmup_steps: no decision at the end of the first warmupEpochs epochs. */
  warmupEpochs: count('epochs trained before the first decision', 0).default(0),
  /** Optuna's interval_steps: a decision every `interval` epochs after the warm-up. */
  interval: count('epochs between decisions', 1).default(1),
  /** Optuna's n_min_trials: completed candidates with a value at the epoch needed for a decision. */
  minCandidates: count('completed candidates with a value at the epoch, needed to decide', 1).default(1),
});

export type MedianOptions = z.infer<typeof medianOptionsSchema>;

const PERCENTILE = 50;
const NEEDS: EpochNeeds = { reported: false, completed: true };

export class MedianPruner implements Pruner {
  readonly name = 'median';

  constructor(
    private readonly options: MedianOptions,
    private readonly epochs: number,
  ) {}

  /** The epochs where a decision is possible: after the warm-up, every `interval` epochs, before the last. */
  needs(epoch: number): EpochNeeds | null {
    if (!Number.isInteger(epoch) || epoch < 1 || epoch >= this.epochs) return null;
    const step = epoch - 1;
    if (step < this.options.warmupEpochs) return null;
    return isFirstInIntervalStep(step, denseSteps(step), this.options.warmupEpochs, this.options.interval) ? NEEDS : null;
  }

  decide(curve: readonly number[], view: EpochView): PruneDecision {
    const { startupCandidates, warmupEpochs, interval, minCandidates } = this.options;
    if (view.completedCount === 0 || view.completedCount < startupCandidates) return 'continue';
    const step = view.epoch - 1;
    if (step < warmupEpochs) return 'continue';
    if (!isFirstInIntervalStep(step, curve.map((_, i) => i).slice(0, view.epoch), warmupEpochs, interval)) return 'continue';
    const best = nanMax(curve.slice(0, view.epoch));
    if (Number.isNaN(best)) return 'prune';
    if (view.completed.length < minCandidates) return 'continue';
    // Optuna's maximise direction keeps the top (100 − p)th percentile; at p = 50 that is the median either way.
    const median = nanPercentile(view.completed, 100 - PERCENTILE);
    if (Number.isNaN(median)) return 'continue';
    return best < median ? 'prune' : 'continue';
  }
}

function denseSteps(step: number): number[] {
  return Array.from({ length: step + 1 }, (_, i) => i);
}
