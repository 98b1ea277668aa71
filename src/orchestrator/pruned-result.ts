/**
 * What a strategy learns from a result, pruned candidates included: the one place
 * that decides it, the same for every strategy.
 *
 * A candidate the run's pruner stopped at an epoch end (status `pruned`) is told to
 * the strategy as an evaluation with its last validation accuracy as fitness (the
 * accuracy after the last epoch it trained, which is the accuracy the result
 * carries), shaped into the reward as usual with its FLOPs and density. It is not a
 * failure: the pruner judged it below its peers at the same epoch, and that low,
 * early accuracy is what steers the strategy away from it; a candidate pruned at
 * epoch 2 of 12 thus learns as a weak candidate, not as a broken one. The stored
 * reward is that same shaped reward, so a resumed run and the dashboard see what the
 * strategy saw. A pruned result without an accuracy (the engine reported none) is
 * told as a failure, as an `ok` one without an accuracy is.
 */
import type { EvaluationResult } from '../controller/index.js';
import type { ResultStatus } from '../store/index.js';

export interface LearnableResult {
  status: ResultStatus;
  accuracy: number | null;
}

/** The fitness a strategy learns from a result, or null when it learns a failure. */
export function learnedFitness(result: LearnableResult): number | null {
  return (result.status === 'ok' || result.status === 'pruned') && result.accuracy !== null && Number.isFinite(result.accuracy)
    ? result.accuracy
    : null;
}

/** What the strategy is told about a result (every proposal of the candidate gets the same). */
export function strategyEvaluation(result: LearnableResult, cost: { flops: number; density: number }): EvaluationResult {
  const fitness = learnedFitness(result);
  if (fitness !== null) return { fitness, flops: cost.flops, density: cost.density };
  return { status: result.status === 'ok' || result.status === 'pruned' ? 'failed' : result.status };
}
