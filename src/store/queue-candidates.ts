/**
 * Queueing sampled candidates, a batch per transaction (BlockQNN samples a
 * batch of blocks at a time). Idempotent on (runId, hash): a hash already in
 * the run comes back with `created: false` and is left alone.
 *
 * The transaction's first statement updates the run row: it takes SQLite's
 * write lock before any read (a deferred transaction that reads first can
 * fail with SQLITE_BUSY instead of waiting for another process) and locks
 * the run row on PostgreSQL, so concurrent batches get consecutive, gap-free
 * sequence numbers. It counts the batch optimistically; if one of its hashes
 * is queued already (by an earlier batch or another process), the transaction
 * rolls back and the batch is looked at again, known hashes first.
 */
import { Prisma } from './db.js';
import { storeError } from './db-errors.js';
import { batchOf, parseInput, runNotFound, toJsonText } from './input.js';
import { toCandidate, type CandidateSummaryRow } from './rows.js';
import { CANDIDATE_COLUMNS, inList } from './sql.js';
import type { SqlDatabase, SqlRunner } from './sql-runner.js';
import { newCandidateSchema, type Candidate, type NewCandidate } from './types.js';
import type { DatabaseTarget } from './url.js';

/** Rolls the transaction back when a hash turned out to be queued meanwhile. */
class QueuedMeanwhile extends Error {
  constructor() {
    super('another process kept queueing the same candidates; try again');
  }
}

// Rows per INSERT: 9 parameters each stays well under SQLite's 32,766.
const INSERT_CHUNK = 250;

const candidatesSchema = batchOf(newCandidateSchema);

async function findByHash(q: SqlRunner, runId: string, hashes: readonly string[]): Promise<Map<string, CandidateSummaryRow>> {
  if (hashes.length === 0) return new Map();
  const rows = await q.rows<CandidateSummaryRow>`
    SELECT ${CANDIDATE_COLUMNS} FROM "Candidate" WHERE "runId" = ${runId} AND "hash" IN ${inList(hashes)}`;
  return new Map(rows.map((row) => [row.hash, row]));
}

export async function upsertQueuedCandidates(
  db: SqlDatabase,
  target: DatabaseTarget,
  runId: string,
  input: readonly NewCandidate[],
): Promise<{ candidate: Candidate; created: boolean }[]> {
  const items = parseInput(candidatesSchema, input, 'candidates');
  const rows = items.map((c) => ({
    hash: c.hash,
    nsc: c.nsc,
    ir: c.ir === undefined || c.ir === null ? null : toJsonText(c.ir, `the IR of candidate ${c.hash}`),
    flops: c.flops,
    params: c.params,
    density: c.density,
  }));
  try {
    for (let attempt = 0; ; attempt++) {
      // First try: the search loop only queues hashes it has not seen, so the batch is assumed new and the
      // transaction's own check is the only lookup; a batch with known hashes rolls back and takes the
      // unlocked look first (re-sampled blocks, a caller that does not filter).
      const known =
        attempt === 0 ? new Map<string, CandidateSummaryRow>() : await findByHash(db, runId, [...new Set(rows.map((r) => r.hash))]);
      const fresh = [...new Map(rows.filter((r) => !known.has(r.hash)).map((r) => [r.hash, r])).values()];
      const created = new Map<string, CandidateSummaryRow>();
      if (fresh.length > 0) {
        try {
          const inserted = await db.transaction((tx) => insertFresh(tx, runId, fresh));
          for (const row of inserted) created.set(row.hash, row);
        } catch (error) {
          if (error instanceof QueuedMeanwhile && attempt < 6) continue;
          throw error;
        }
      }
      // A hash twice in one batch: the first is the created one, the second finds it.
      const reported = new Set<string>();
      return rows.map((r) => {
        const row = created.get(r.hash) ?? known.get(r.hash)!;
        const isNew = created.has(r.hash) && !reported.has(r.hash);
        reported.add(r.hash);
        return { candidate: toCandidate(row), created: isNew };
      });
    }
  } catch (error) {
    throw storeError(error, target, 'queue candidates');
  }
}

type FreshRow = { hash: string; nsc: string; ir: string | null; flops: number; params: number; density: number };

async function insertFresh(tx: SqlRunner, runId: string, fresh: readonly FreshRow[]): Promise<CandidateSummaryRow[]> {
  const [run] = await tx.rows<{ candidateCount: number }>`
    UPDATE "Run" SET "candidateCount" = "candidateCount" + ${fresh.length} WHERE "id" = ${runId} RETURNING "candidateCount"`;
  if (!run) throw runNotFound(runId);
  if (
    (
      await findByHash(
        tx,
        runId,
        fresh.map((r) => r.hash),
      )
    ).size > 0
  )
    throw new QueuedMeanwhile();
  const first = run.candidateCount - fresh.length + 1;
  const createdAt = new Date();
  const inserted: CandidateSummaryRow[] = [];
  for (let start = 0; start < fresh.length; start += INSERT_CHUNK) {
    const values = fresh
      .slice(start, start + INSERT_CHUNK)
      .map(
        (r, i) =>
          Prisma.sql`(${runId}, ${r.hash}, ${first + start + i}, ${r.nsc}, ${r.ir}, ${r.flops}, ${r.params}, ${r.density}, ${createdAt})`,
      );
    inserted.push(
      ...(await tx.rows<CandidateSummaryRow>`
        INSERT INTO "Candidate" ("runId", "hash", "sequence", "nsc", "ir", "flops", "params", "density", "createdAt")
        VALUES ${Prisma.join(values)} RETURNING ${CANDIDATE_COLUMNS}`),
    );
  }
  return inserted;
}
