/**
 * The numerical pieces of Optuna's PercentilePruner (optuna/pruners/_percentile.py),
 * written against NumPy's definitions so that decisions match Optuna's exactly,
 * ties and NaNs included.
 */

/** `np.nanmax`: the largest non-NaN value; NaN when there is none. */
export function nanMax(values: readonly number[]): number {
  let best = Number.NaN;
  for (const v of values) if (!Number.isNaN(v) && !(v <= best)) best = v;
  return best;
}

/**
 * `np.nanpercentile(values, q)` with NumPy's default "linear" method: NaNs are
 * dropped, the rest sorted, and the value at virtual index q/100 · (n − 1) is
 * interpolated between its neighbours with NumPy's `_lerp` (from the upper
 * neighbour when the fraction is ≥ 0.5, which keeps the result monotone). NaN
 * when no value is left.
 */
export function nanPercentile(values: readonly number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const index = (q / 100) * (n - 1);
  const lower = Math.floor(index);
  const upper = Math.min(lower + 1, n - 1);
  const t = index - lower;
  const a = sorted[lower]!;
  const b = sorted[upper]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Optuna's `_is_first_in_interval_step`: whether `step` is the first reported step at or
 * after the latest pruning check (warm-up steps, then every `interval` steps). A check
 * whose step was never reported is postponed to the next reported step.
 */
export function isFirstInIntervalStep(step: number, reportedSteps: Iterable<number>, warmupSteps: number, interval: number): boolean {
  const nearestLowerPruningStep = Math.floor((step - warmupSteps) / interval) * interval + warmupSteps;
  let secondLast = -1;
  for (const s of reportedSteps) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLowerPruningStep;
}
