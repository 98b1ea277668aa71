/**
 * Hand-designed baselines evaluated inside a run. They are Candidate rows with
 * `baseline` set, so they go through the same queue, engines and result
 * columns, but they stand outside the search's bookkeeping:
 * - their sequences are negative (-1, -2, ...): the positive sequence numbers
 *   stay the strategy's gap-free count that resume replays against, and
 *   `candidateCount` is untouched;
 * - their results change neither the run's result counters nor its best
 *   candidate, and write no controller snapshot: the strategy never sees them.
 * Queueing is idempotent on (run, hash) like the search's candidates, so a
 * resumed run finds its baselines instead of adding them again.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { Db } from './db.js';
import type { SqlDatabase } from './sql-runner.js';
import { storeError } from './db-errors.js';
import { batchOf, candidateNotFound, parseInput, runNotFound, toJsonText } from './input.js';
import { type Claimed, cacheResults, claim, itemsSchema } from './commit-results.js';
import { toCandidate, type CandidateSummaryRow } from './rows.js';
import { CANDIDATE_COLUMNS, inList } from './sql.js';
import { newBaselineSchema, type Candidate, type CandidateResult, type CommitOutcome, type NewBaseline } from './types.js';
import type { DatabaseTarget } from './url.js';

const baselinesSchema = batchOf(newBaselineSchema);

export async function upsertQueuedBaselines(
  db: SqlDatabase,
  target: DatabaseTarget,
  runId: string,
  input: readonly NewBaseline[],
): Promise<{ candidate: Candidate; created: boolean }[]> {
  const items = parseInput(baselinesSchema, input, 'baselines');
  try {
    return await db.transaction(async (tx) => {
      // Writing the run row first takes SQLite's write lock and PostgreSQL's row lock, so two
      // controllers queueing baselines cannot both pick the same negative sequence.
      const [run] = await tx.rows<{
        id: string;
      }>`UPDATE "Run" SET "candidateCount" = "candidateCount" WHERE "id" = ${runId} RETURNING "id"`;
      if (!run) throw runNotFound(runId);
      const hashes = [...new Set(items.map((c) => c.hash))];
      const existing = await tx.rows<CandidateSummaryRow>`
        SELECT ${CANDIDATE_COLUMNS} FROM "Candidate" WHERE "runId" = ${runId} AND "hash" IN ${inList(hashes)}`;
      const known = new Map(existing.map((row) => [row.hash, row]));
      const clash = existing.find((row) => row.baseline === null);
      if (clash) {
        throw new BlockqnnError(
          ErrorCode.INVALID_INPUT,
          `run ${runId} already has candidate ${clash.hash} as a searched candidate, not a baseline`,
        );
      }
      const [{ low }] = (await tx.rows<{
        low: number | null;
      }>`SELECT MIN("sequence") AS "low" FROM "Candidate" WHERE "runId" = ${runId} AND "sequence" < 0`) as [{ low: number | null }];
      let next = Math.min(Number(low ?? 0), 0) - 1;
      const created = new Set<string>();
      const createdAt = new Date();
      for (const c of items) {
        if (known.has(c.hash)) continue;
        const ir = c.ir === undefined || c.ir === null ? null : toJsonText(c.ir, `the IR of baseline ${c.baseline}`);
        const [row] = await tx.rows<CandidateSummaryRow>`
          INSERT INTO "Candidate" ("runId", "hash", "sequence", "nsc", "ir", "flops", "params", "density", "createdAt", "baseline")
          VALUES (${runId}, ${c.hash}, ${next--}, ${c.nsc}, ${ir}, ${c.flops}, ${c.params}, ${c.density}, ${createdAt}, ${c.baseline})
          RETURNING ${CANDIDATE_COLUMNS}`;
        known.set(c.hash, row!);
        created.add(c.hash);
      }
      const reported = new Set<string>();
      return items.map((c) => {
        const isNew = created.has(c.hash) && !reported.has(c.hash);
        reported.add(c.hash);
        return { candidate: toCandidate(known.get(c.hash)!), created: isNew };
      });
    });
  } catch (error) {
    if (error instanceof BlockqnnError) throw error;
    throw storeError(error, target, 'queue baselines');
  }
}

/** Writes baseline results (and caches them under the run's task key); the run's counters, best and snapshots stay as they are. */
export async function commitBaselineResults(
  db: SqlDatabase,
  target: DatabaseTarget,
  runId: string,
  input: readonly { hash: string; result: CandidateResult }[],
): Promise<CommitOutcome[]> {
  const items = parseInput(itemsSchema, input, 'baseline results');
  try {
    return await db.transaction(async (tx): Promise<CommitOutcome[]> => {
      const claimed: (Claimed | undefined)[] = [];
      for (const item of items) claimed.push(await claim(tx, runId, item, 'baseline'));
      const unclaimed = items.filter((_, i) => claimed[i] === undefined).map((item) => item.hash);
      if (unclaimed.length > 0) {
        const found = await tx.rows<{ hash: string }>`
          SELECT "hash" FROM "Candidate" WHERE "runId" = ${runId} AND "baseline" IS NOT NULL AND "hash" IN ${inList(unclaimed)}`;
        const missing = unclaimed.find((hash) => !found.some((f) => f.hash === hash));
        if (missing !== undefined) throw candidateNotFound(runId, missing);
      }
      const committed = claimed.filter((c): c is Claimed => c !== undefined);
      if (committed.length > 0) {
        const [run] = await tx.rows<{ taskKey: string }>`SELECT "taskKey" FROM "Run" WHERE "id" = ${runId}`;
        await cacheResults(tx, target.provider, run!.taskKey, runId, committed);
      }
      return claimed.map((c) => (c === undefined ? 'duplicate' : 'committed'));
    });
  } catch (error) {
    if (error instanceof BlockqnnError) throw error;
    throw storeError(error, target, `commit baseline results of run ${runId}`);
  }
}

/** Every baseline of a run, in the order they were queued (sequence -1, -2, ...). */
export async function listBaselines(db: Db, runId: string): Promise<Candidate[]> {
  const rows = await db.$queryRaw<CandidateSummaryRow[]>`
    SELECT ${CANDIDATE_COLUMNS} FROM "Candidate" WHERE "runId" = ${runId} AND "baseline" IS NOT NULL ORDER BY "sequence" DESC`;
  if (rows.length === 0) {
    const [run] = await db.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Run" WHERE "id" = ${runId}`;
    if (!run) throw runNotFound(runId);
  }
  return rows.map(toCandidate);
}
