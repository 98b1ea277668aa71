/**
 * Reconciliation with Redis, at start and periodically: collects results whose
 * events were missed, and re-enqueues jobs Redis lost or a stop cancelled.
 */
import { enqueue } from './enqueue.js';
import type { LoopState } from './state.js';

export async function reconcile(s: LoopState): Promise<void> {
  if (s.inFlight.size === 0 && s.baselinesInFlight.size === 0) return;
  const reports = await s.deps.queue.reconcile(s.runId, [...s.inFlight.keys(), ...s.baselinesInFlight.keys()]);
  const again: string[] = [];
  for (const report of reports) {
    if (report.kind === 'result') s.reports.push(report);
    else if (report.kind === 'lost') again.push(report.candidateHash);
    else if (report.kind === 'cancelled') {
      await s.deps.queue.forget(s.runId, report.candidateHash);
      again.push(report.candidateHash);
    } else if (report.kind === 'failed') s.reports.push(report);
  }
  if (again.length) {
    await enqueue(
      s,
      again.map((hash) => s.baselinesInFlight.get(hash) ?? s.deps.candidates.materialize(s.inFlight.get(hash)!.candidate.key)),
    );
    await s.deps.store.appendEvent(s.runId, 'requeued', { count: again.length });
    s.deps.log(`run ${s.runId}: re-enqueued ${again.length} job(s) missing from Redis or cancelled by a stop`);
  }
}
