/**
 * Commit points: every report that arrived is told to the strategy, then
 * committed with the strategy's snapshot in one transaction, then removed from
 * Redis. A crash before the commit leaves the result in Redis, where resume
 * finds it. Baselines are committed without a snapshot and never told.
 */
import type { EvaluateResult } from '../../queue/contract.js';
import type { JobReport } from '../../queue/evaluation-queue.js';
import { type CandidateResult, MAX_BATCH } from '../../store/index.js';
import { shapedReward } from '../../controller/index.js';
import { boardCurve } from '../../queue/pruning-board.js';
import { learnedFitness } from '../pruned-result.js';
import { type LoopState, toEvaluation } from './state.js';
import type { ObservedResult } from './systemic.js';
import type { Cost, KnownResult } from './types.js';

/** Commits every report that arrived, in slices the store takes in one call (each slice with its own snapshot). */
export async function commitArrived(s: LoopState): Promise<void> {
  while (s.reports.length > 0) await commitSlice(s, s.reports.splice(0, MAX_BATCH));
}

async function commitSlice(s: LoopState, reports: JobReport[]): Promise<void> {
  const items: { hash: string; result: CandidateResult }[] = [];
  const costs: Cost[] = [];
  const baselineItems: { hash: string; result: CandidateResult }[] = [];
  const lateDuplicates: string[] = [];
  // What the systemic-failure watch hears, in the order the reports arrived, once they are committed.
  const observed: ObservedResult[] = [];
  for (const report of reports) {
    if (report.kind === 'pending' || report.kind === 'lost') continue;
    const hash = report.kind === 'result' ? report.result.candidateHash : report.candidateHash;
    const baseline = s.baselinesInFlight.get(hash);
    if (baseline) {
      if (report.kind === 'cancelled') continue;
      const result = report.kind === 'result' ? report.result : null;
      const known: KnownResult = result ? { status: result.status, accuracy: result.accuracy } : { status: 'failed', accuracy: null };
      s.baselinesInFlight.delete(hash);
      const row = toCandidateResult(s, known, baseline, result, report.kind === 'failed' ? report : null);
      baselineItems.push({ hash, result: row });
      observed.push({ status: row.status, cause: result?.cause, error: row.error, workerId: row.workerId });
      continue;
    }
    const entry = s.inFlight.get(hash);
    if (!entry) {
      // A late duplicate of a result already committed (a job delivered twice): recorded once, and its job
      // removed, or it would stay in Redis for good.
      if (report.kind === 'result' && s.known.has(hash)) lateDuplicates.push(hash);
      continue;
    }
    if (report.kind === 'cancelled') continue; // a stop's cancellation; resume re-enqueues it
    const result = report.kind === 'result' ? report.result : null;
    const known: KnownResult = result ? { status: result.status, accuracy: result.accuracy } : { status: 'failed', accuracy: null };
    for (const id of entry.proposalIds) s.strategy.tell(id, toEvaluation(known, entry.candidate));
    s.inFlight.delete(hash);
    const row = toCandidateResult(s, known, entry.candidate, result, report.kind === 'failed' ? report : null);
    items.push({ hash, result: row });
    observed.push({ status: row.status, cause: result?.cause, error: row.error, workerId: row.workerId });
    costs.push(entry.candidate);
  }
  if (lateDuplicates.length > 0) {
    forgetLater(s, lateDuplicates);
    s.deps.log(`run ${s.runId}: ignored ${lateDuplicates.length} late duplicate result(s) of candidates already recorded`);
  }
  if (baselineItems.length > 0) {
    await s.deps.store.commitBaselineResults(s.runId, baselineItems);
    forgetLater(
      s,
      baselineItems.map(({ hash }) => hash),
    );
  }
  if (items.length > 0) await s.deps.store.commitResults(s.runId, items, s.snapshot());
  for (const result of observed) s.pause ??= s.systemic.observe(result);
  if (items.length === 0) return;
  items.forEach(({ hash, result }, i) => s.noteResult(hash, result, costs[i]!));
  // The board holds what the store holds, whatever Redis lost meanwhile (one idempotent, pipelined call; the
  // workers recorded the same already): later decisions read exactly what a resume would re-seed.
  if (s.pruned)
    await s.deps.queue.seedPruningBoard(
      s.runId,
      items
        .filter(({ result }) => result.curve && result.curve.length > 0)
        .map(({ hash, result }) =>
          boardCurve(
            hash,
            result.status,
            result.curve!.map((p) => ({ valAccuracy: p.valAccuracy ?? null })),
          ),
        ),
    );
  forgetLater(
    s,
    items.map(({ hash }) => hash),
  );
}

/**
 * Removes committed jobs from Redis while the loop goes on: Redis works through the
 * removals while this process commits and proposes the next batch. Only committed
 * results are removed; a crash before a removal leaves a finished job in Redis whose
 * result is already recorded, so it is never read or trained again (its key is the
 * whole cost). A run that stops or finishes waits for every removal (`s.forgetting`).
 */
function forgetLater(s: LoopState, hashes: readonly string[]): void {
  const removals = s.forgetting.then(() => Promise.all(hashes.map((hash) => s.deps.queue.forget(s.runId, hash))));
  s.forgetting = removals.then(
    () => undefined,
    () => undefined,
  );
}

/** The row a result is committed as, with the run's shaped reward. */
function toCandidateResult(
  s: LoopState,
  known: KnownResult,
  cost: Cost,
  result: EvaluateResult | null,
  failure: { reason: string; attempts: number; workerId?: string } | null,
): CandidateResult {
  const fitness = learnedFitness(known);
  const reward = fitness !== null ? shapedReward({ accuracy: fitness, flops: cost.flops, density: cost.density }, s.reward) : null;
  return {
    status: known.status,
    accuracy: known.accuracy,
    reward,
    curve: result?.curve.map((r) => ({ ...r })) ?? null,
    trainSeconds: result?.trainSeconds ?? null,
    evalSeconds: result?.evalSeconds ?? null,
    workerId: result?.worker.id ?? failure?.workerId ?? null,
    engine: result?.engine.name ?? s.config.engine,
    attempts: result?.attempt ?? failure?.attempts ?? 0,
    error: result?.error ?? failure?.reason ?? null,
    ...(result?.startedAt !== undefined ? { startedAt: new Date(result.startedAt) } : {}),
    finishedAt: new Date(result?.finishedAt ?? Date.now()),
    metrics: result?.extra && Object.keys(result.extra).length > 0 ? { ...result.extra } : null,
    fromCache: result !== null && s.answeredFromCache.delete(result.candidateHash),
    ...(result?.samples ? { samples: result.samples } : {}),
  };
}
