/**
 * How an evaluation ends, defined once for every layer (engines, the queue's
 * contract, the worker, the controller, the store, the benches):
 *
 * - `ok`: trained and measured;
 * - `diverged`: the loss went non-finite;
 * - `too_large`: out of memory, or over a size limit;
 * - `failed`: an error (the result names it);
 * - `pruned`: its pruner stopped it at an epoch end; curve and accuracy are
 *   those of the epochs it trained.
 *
 * `diverged`, `too_large` and `failed` are the failures a strategy learns from
 * without a number. A job a stopped run cancelled ends as none of these: the
 * queue reports it as its own kind (evaluation-queue.ts `JobReport`), and a
 * resumed run trains it again.
 */
export const EVALUATION_STATUSES = ['ok', 'diverged', 'too_large', 'failed', 'pruned'] as const;
export type EvaluationStatus = (typeof EVALUATION_STATUSES)[number];

/** Outcomes other than a measured fitness: the controller learns from them but never sees a number. */
export const FAILURE_STATUSES = ['diverged', 'too_large', 'failed'] as const;
export type FailureStatus = (typeof FAILURE_STATUSES)[number];

/** The outcomes a candidate row records: a candidate in one of these has its result and never gets another. */
export const RECORDED_STATUSES = EVALUATION_STATUSES;
export type RecordedStatus = (typeof RECORDED_STATUSES)[number];

/** A job or training a stop cancelled (a candidate row may keep it; its result, if one still arrives, is kept). */
export const CANCELLED = 'cancelled';

export function isFailureStatus(status: unknown): status is FailureStatus {
  return typeof status === 'string' && (FAILURE_STATUSES as readonly string[]).includes(status);
}
