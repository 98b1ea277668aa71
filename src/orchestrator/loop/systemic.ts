/**
 * Systemic failures: results that fail for the same environmental cause, one after another (the dataset
 * missing on the workers, an engine that cannot run there, a full disk; common/failure-causes.ts). Every
 * candidate would fail the same way until a person fixes the host, so after `pauseAfterFailures` of them
 * in a row the loop pauses the run with that reason (search-loop.ts) instead of spending its budget on
 * failures. Any other result — a measured one, or a failure the candidate may be at fault for — breaks the
 * row. The cause is the worker's typed field, never read from the error's text here.
 */
import { ENVIRONMENT_CAUSES, type EnvironmentCause, failureReason } from '../../common/failure-causes.js';

/** What a result tells the watch. */
export interface ObservedResult {
  status: string;
  cause?: EnvironmentCause | undefined;
  error?: string | null | undefined;
  workerId?: string | null | undefined;
}

/** Why a run pauses: the cause, the last error's reason, how many results in a row, and the workers they came from. */
export interface SystemicPause {
  cause: EnvironmentCause;
  reason: string;
  count: number;
  workers: string[];
}

export class SystemicFailureWatch {
  private row: SystemicPause | null = null;

  /** @param threshold results in a row that pause the run (0: never). */
  constructor(private readonly threshold: number) {}

  /** Notes a committed result; returns the pause once the row reaches the threshold. */
  observe(result: ObservedResult): SystemicPause | null {
    if (result.cause === undefined || result.status === 'ok' || result.status === 'pruned') {
      this.row = null;
      return null;
    }
    const reason = failureReason(result.status, result.error);
    if (this.row?.cause !== result.cause) this.row = { cause: result.cause, reason, count: 0, workers: [] };
    this.row.count++;
    this.row.reason = reason;
    if (result.workerId && !this.row.workers.includes(result.workerId)) this.row.workers.push(result.workerId);
    return this.threshold > 0 && this.row.count >= this.threshold ? { ...this.row, workers: [...this.row.workers] } : null;
  }
}

/** Why the run paused, as it records it as its error and the CLI prints it after "paused: ". */
export function describePause(p: SystemicPause): string {
  const where =
    p.workers.length > 0
      ? ` (worker${p.workers.length > 1 ? 's' : ''} ${p.workers.slice(0, 4).join(', ')}${p.workers.length > 4 ? ', …' : ''})`
      : '';
  return `${p.count} results in a row failed because ${ENVIRONMENT_CAUSES[p.cause]}${where}: ${p.reason}`;
}
