/**
 * Why results fail, as the run reports it. Two ideas, defined once for every layer:
 *
 * - An *environmental cause*: the machine a job ran on, not the candidate, is at fault (the dataset is
 *   missing there, the engine cannot run there, its disk is full). Every candidate would fail the same
 *   way there, so the controller pauses the run after a few such failures in a row instead of spending
 *   its budget (orchestrator/loop/systemic.ts). The worker sets it where it knows (engines/failure.ts):
 *   a typed field of the result, never guessed from the text by the controller.
 * - A *failure reason*: the line a failed result is counted under in the progress, the final summary
 *   and `blockqnn status` — the first line of its error, or its status when it has no error.
 */

/** Each environmental cause with the words a user reads it as. */
export const ENVIRONMENT_CAUSES = {
  dataset_missing: 'the dataset is missing where the job ran',
  engine_unavailable: 'the engine cannot run where the job ran',
  disk_full: 'the disk is full where the job ran',
} as const;
export type EnvironmentCause = keyof typeof ENVIRONMENT_CAUSES;
export const ENVIRONMENT_CAUSE_NAMES = Object.keys(ENVIRONMENT_CAUSES) as [EnvironmentCause, ...EnvironmentCause[]];

/** A failure reason with how many results failed for it. */
export interface FailureCount {
  reason: string;
  count: number;
}

/** Characters of a reason kept: enough to name a file and a directory, short enough for a status line. */
const REASON_CHARS = 200;

/** The reason a failed result is counted under: its error's first line (no stack frames, no hint), else its status. */
export function failureReason(status: string, error: string | null | undefined): string {
  const first = (error ?? '').split('\n', 1)[0]!.trim();
  return first === '' ? status : first.length > REASON_CHARS ? `${first.slice(0, REASON_CHARS - 1)}…` : first;
}

/** A tally of failure reasons, most frequent first (ties by reason, so the order is stable), at most `limit`. */
export function topFailures(tally: ReadonlyMap<string, number>, limit: number): FailureCount[] {
  return [...tally.entries()]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
    .slice(0, limit);
}
