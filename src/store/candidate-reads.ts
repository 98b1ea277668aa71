/**
 * The dashboard's reads of a run's candidates: counts by status and sorted,
 * filtered pages. Both avoid counting 100,000 rows where they can: result
 * statuses are counted on the run row as results are committed, and only
 * the open statuses (queued, running, cancelled: in-flight work, a few
 * hundred rows) are counted from the candidates.
 */
import { type FailureCount, failureReason, topFailures } from '../common/failure-causes.js';
import { FAILURE_STATUSES } from '../common/statuses.js';
import type { Db } from './db.js';
import { runNotFound } from './input.js';
import { cursorAfter, pageSql, statusesOf, type NormalisedQuery } from './pagination.js';
import { toCandidate, type CandidateSummaryRow } from './rows.js';
import { count, inList } from './sql.js';
import { CANDIDATE_STATUSES, OPEN_STATUSES, RESULT_STATUSES, type CandidatePage, type CandidateStatus } from './types.js';

interface CounterRow {
  candidateCount: number;
  okCount: number;
  divergedCount: number;
  tooLargeCount: number;
  failedCount: number;
  prunedCount: number;
}

export interface StatusCounts {
  byStatus: Record<CandidateStatus, number>;
  /** All candidates of the run. */
  total: number;
}

export async function statusCounts(db: Db, runId: string): Promise<StatusCounts> {
  const [[run], open] = await Promise.all([
    db.$queryRaw<
      CounterRow[]
    >`SELECT "candidateCount", "okCount", "divergedCount", "tooLargeCount", "failedCount", "prunedCount" FROM "Run" WHERE "id" = ${runId}`,
    db.$queryRaw<{ status: string; n: bigint }[]>`
      SELECT "status", COUNT(*) AS "n" FROM "Candidate" WHERE "runId" = ${runId} AND "status" IN ${inList(OPEN_STATUSES)} AND "baseline" IS NULL GROUP BY "status"`,
  ]);
  if (!run) throw runNotFound(runId);
  const byStatus = Object.fromEntries(CANDIDATE_STATUSES.map((s) => [s, 0])) as Record<CandidateStatus, number>;
  byStatus.ok = run.okCount;
  byStatus.diverged = run.divergedCount;
  byStatus.too_large = run.tooLargeCount;
  byStatus.failed = run.failedCount;
  byStatus.pruned = run.prunedCount;
  for (const group of open) byStatus[group.status as CandidateStatus] = count(group.n);
  return { byStatus, total: run.candidateCount };
}

export async function listCandidatePage(db: Db, runId: string, query: NormalisedQuery): Promise<CandidatePage> {
  const sql = pageSql(runId, query);
  const statuses = statusesOf(query);
  // Sorting by reward or accuracy leaves out rows without one, which the counters cannot
  // tell apart: count those. Otherwise the total comes from the counters.
  const countRows = query.sort === 'reward' || query.sort === 'accuracy';
  const [rows, counts, counted] = await Promise.all([
    db.$queryRaw<CandidateSummaryRow[]>(sql.page),
    statusCounts(db, runId),
    countRows ? db.$queryRaw<{ n: bigint }[]>`SELECT COUNT(*) AS "n" FROM "Candidate" WHERE ${sql.filter}` : Promise.resolve(undefined),
  ]);
  const total = counted ? count(counted[0]?.n) : statuses ? statuses.reduce((sum, s) => sum + counts.byStatus[s], 0) : counts.total;
  const items = rows.slice(0, query.limit).map(toCandidate);
  const last = items.at(-1);
  const nextCursor = rows.length > query.limit && last ? cursorAfter(last, query.sort, query.order) : null;
  return { items, nextCursor, total };
}

/** Train seconds summed over a run's results (baselines left out, as the other reads do), along the (runId, status) index. */
export async function resultTrainSeconds(db: Db, runId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ seconds: number | null }[]>`
    SELECT SUM("trainSeconds") AS "seconds" FROM "Candidate" WHERE "runId" = ${runId} AND "status" IN ${inList(RESULT_STATUSES)} AND "baseline" IS NULL`;
  return Number(row?.seconds ?? 0);
}

/** Distinct (status, error) groups read to fold into reasons: a run with more distinct errors than this is counted by its commonest. */
const REASON_GROUPS = 1000;

/** The run's failure reasons with counts, most frequent first: errors grouped in the database, folded to their first line here. */
export async function failureReasons(db: Db, runId: string, limit: number): Promise<FailureCount[]> {
  const groups = await db.$queryRaw<{ status: string; error: string | null; n: bigint }[]>`
    SELECT "status", "error", COUNT(*) AS "n" FROM "Candidate"
    WHERE "runId" = ${runId} AND "status" IN ${inList(FAILURE_STATUSES)} AND "baseline" IS NULL
    GROUP BY "status", "error" ORDER BY "n" DESC LIMIT ${REASON_GROUPS}`;
  const tally = new Map<string, number>();
  for (const g of groups) {
    const reason = failureReason(g.status, g.error);
    tally.set(reason, (tally.get(reason) ?? 0) + count(g.n));
  }
  return topFailures(tally, limit);
}
