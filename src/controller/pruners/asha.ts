/**
 * `asha`: asynchronous successive halving (Li, Jamieson, Rostamizadeh, Gonina,
 * Ben-tzur, Hardt, Recht, Talwalkar, "A System for Massively Parallel
 * Hyperparameter Tuning", MLSys 2020), as Optuna's SuccessiveHalvingPruner
 * implements it (optuna/pruners/_successive_halving.py). The resource is the
 * epochs trained.
 *
 * Rung k sits at the end of epoch r·η^(s+k) (r = minResource, η = reductionFactor,
 * s = minEarlyStoppingRate), for every such epoch before the recipe's last. At a
 * rung, the candidate's value joins the values every candidate recorded at that
 * rung (n values, itself included; its own NaN prunes it without being recorded).
 * It continues only when n > bootstrapCount and its value is at least the
 * (⌊n/η⌋)-th largest — the top ⌊n/η⌋ of n, ties kept. With n < η, ⌊n/η⌋ = 0 and
 * Optuna promotes a candidate only when it is the best so far (value ≥ the
 * largest), so the first candidate to reach a rung always continues.
 */
import { z } from 'zod';
import type { EpochNeeds, EpochView, Pruner, PruneDecision } from './pruner.js';

const count = (what: string, min: number) =>
  z
    .number({ error: `must be a number: ${what}` })
    .int(`must be a whole number: ${what}`)
    .min(min, `must be >= ${min}: ${what}`);

export const ashaOptionsSchema = z.strictObject({
  /** η: about 1/η of the candidates reaching a rung continue to the next. */
  reductionFactor: count('η, the reduction factor', 2).default(4),
  /** r: epochs every candidate trains before its first rung (with s = 0). Optuna's "auto" is 1 for recipes under 200 epochs. */
  minResource: count('r, epochs before the first rung', 1).default(1),
  /** s: the first rung is at r·η^s epochs. */
  minEarlyStoppingRate: count('s, the first rung is at minResource × reductionFactor^s epochs', 0).default(0),
  /** Candidates that must have reached a rung before any of them continues past it. */
  bootstrapCount: count('candidates needed at a rung before any is promoted', 0).default(0),
});

export type AshaOptions = z.infer<typeof ashaOptionsSchema>;

const NEEDS: EpochNeeds = { reported: true, completed: false };

/** Rung epochs r·η^(s+k), k = 0, 1, …, that come before the recipe's last epoch. */
export function rungEpochs(options: AshaOptions, epochs: number): number[] {
  const rungs: number[] = [];
  for (let at = options.minResource * options.reductionFactor ** options.minEarlyStoppingRate; at < epochs; at *= options.reductionFactor)
    rungs.push(at);
  return rungs;
}

export class AshaPruner implements Pruner {
  readonly name = 'asha';
  readonly rungs: readonly number[];

  constructor(
    private readonly options: AshaOptions,
    epochs: number,
  ) {
    this.rungs = rungEpochs(options, epochs);
  }

  needs(epoch: number): EpochNeeds | null {
    return this.rungs.includes(epoch) ? NEEDS : null;
  }

  decide(curve: readonly number[], view: EpochView): PruneDecision {
    if (!this.rungs.includes(view.epoch)) return 'continue';
    const value = curve[view.epoch - 1];
    if (value === undefined || Number.isNaN(value)) return 'prune';
    const competing = view.reported;
    if (competing.length <= this.options.bootstrapCount) return 'prune';
    return isPromotable(value, competing, this.options.reductionFactor) ? 'continue' : 'prune';
  }
}

/** Optuna's `_is_trial_promotable_to_next_rung` for a maximised value: in the top ⌊n/η⌋ (at least the top 1) of `competing`, ties kept. */
export function isPromotable(value: number, competing: readonly number[], reductionFactor: number): boolean {
  const promotable = Math.max(Math.floor(competing.length / reductionFactor) - 1, 0);
  const descending = [...competing].sort((a, b) => b - a);
  return value >= descending[promotable]!;
}
