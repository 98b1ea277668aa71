/**
 * Committing results with the controller state they produce, in one
 * transaction of raw SQL (see sql.ts for why raw):
 * - each candidate row is claimed with a conditional update (status still
 *   open), so of two commits of the same result exactly one changes anything;
 *   a candidate that already has its result is a 'duplicate' and unchanged;
 * - the run's counters and best candidate, the snapshot (older ones pruned)
 *   and the cross-run cache follow in the same transaction, so a crash
 *   leaves all of it or none of it.
 * A batch pays the transaction (and, on SQLite, the fsync) once: the search
 * loop can commit every result that arrived since its last commit together.
 */
import { z } from 'zod';
import { BlockqnnError } from '../common/errors.js';
import { Prisma, type Db, type Tx } from './db.js';
import { storeError } from './db-errors.js';
import { batchOf, candidateNotFound, parseInput, toJsonText } from './input.js';
import { RESULT_COUNT_COLUMNS, column, inList } from './sql.js';
import {
  CACHEABLE_STATUSES,
  OPEN_STATUSES,
  RESULT_STATUSES,
  candidateResultSchema,
  hashSchema,
  type CandidateResult,
  type CommitOutcome,
  type ResultStatus,
} from './types.js';
import type { DatabaseTarget } from './url.js';

export interface CommitOptions {
  /** Snapshots kept per run (the newest ones). */
  keepSnapshots: number;
}

export const itemsSchema = batchOf(z.strictObject({ hash: hashSchema, result: candidateResultSchema })).min(1, 'at least one result');
type Item = z.infer<typeof itemsSchema>[number];

const OPEN = inList(OPEN_STATUSES);

export interface Claimed {
  id: number;
  item: Item;
  curve: string | null;
  finishedAt: Date;
}

/**
 * Writes one result if the row is still open. `kind` keeps the two commit paths
 * apart: a search result never lands on a baseline row, nor a baseline's on a
 * searched candidate (whose result must travel with a controller snapshot).
 */
export async function claim(tx: Tx, runId: string, item: Item, kind: 'searched' | 'baseline' = 'searched'): Promise<Claimed | undefined> {
  const r = item.result;
  const curve = r.curve === undefined || r.curve === null ? null : toJsonText(r.curve, 'the training curve');
  const metrics = r.metrics === undefined || r.metrics === null ? null : toJsonText(r.metrics, 'the result metrics');
  const isKind = kind === 'baseline' ? Prisma.sql`"baseline" IS NOT NULL` : Prisma.sql`"baseline" IS NULL`;
  const finishedAt = r.finishedAt ?? new Date();
  // Worker, engine and attempts stay as updateCandidate left them when the result does not say.
  const optional = [
    r.workerId !== undefined ? Prisma.sql`, "workerId" = ${r.workerId}` : Prisma.empty,
    r.engine !== undefined ? Prisma.sql`, "engine" = ${r.engine}` : Prisma.empty,
    r.attempts !== undefined ? Prisma.sql`, "attempts" = ${r.attempts}` : Prisma.empty,
  ];
  const [row] = await tx.$queryRaw<{ id: number }[]>`
    UPDATE "Candidate" SET "status" = ${r.status}, "accuracy" = ${r.accuracy ?? null}, "reward" = ${r.reward ?? null}, "curve" = ${curve},
      "trainSeconds" = ${r.trainSeconds ?? null}, "evalSeconds" = ${r.evalSeconds ?? null}, "error" = ${r.error ?? null},
      "fromCache" = ${r.fromCache ?? false}, "finishedAt" = ${finishedAt}, "metrics" = ${metrics} ${Prisma.join(optional, '')}
    WHERE "runId" = ${runId} AND "hash" = ${item.hash} AND "status" IN ${OPEN} AND ${isKind}
    RETURNING "id"`;
  return row ? { id: row.id, item, curve, finishedAt } : undefined;
}

/** One UPDATE of the run for the whole batch: counters, snapshot number and best reward. */
async function updateRun(tx: Tx, runId: string, claimed: readonly Claimed[]) {
  const perStatus = RESULT_STATUSES.map((status: ResultStatus) => {
    const n = claimed.filter((c) => c.item.result.status === status).length;
    return n === 0 ? Prisma.empty : Prisma.sql`, ${column(RESULT_COUNT_COLUMNS[status])} = ${column(RESULT_COUNT_COLUMNS[status])} + ${n}`;
  });
  let best: Claimed | undefined;
  for (const c of claimed) {
    const reward = c.item.result.reward;
    if (reward !== undefined && reward !== null && (best === undefined || reward > (best.item.result.reward as number))) best = c;
  }
  const reward = best?.item.result.reward;
  // SET expressions all read the old row, so both CASEs compare against the previous best.
  const setBest =
    best === undefined
      ? Prisma.empty
      : Prisma.sql`, "bestCandidateId" = CASE WHEN "bestReward" IS NULL OR "bestReward" < ${reward} THEN ${best.id} ELSE "bestCandidateId" END,
          "bestReward" = CASE WHEN "bestReward" IS NULL OR "bestReward" < ${reward} THEN ${reward} ELSE "bestReward" END`;
  const [run] = await tx.$queryRaw<{ resultCount: number; snapshotCount: number; taskKey: string }[]>`
    UPDATE "Run" SET "resultCount" = "resultCount" + ${claimed.length}, "snapshotCount" = "snapshotCount" + 1 ${Prisma.join(perStatus, '')} ${setBest}
    WHERE "id" = ${runId} RETURNING "resultCount", "snapshotCount", "taskKey"`;
  return run!;
}

/** Puts the cacheable results among `committed` into the cross-run cache under the run's task key. */
export async function cacheResults(tx: Tx, taskKey: string, runId: string, committed: readonly Claimed[]): Promise<void> {
  const cacheable = committed.filter((c) => (CACHEABLE_STATUSES as readonly string[]).includes(c.item.result.status) && !c.item.result.fromCache);
  if (cacheable.length === 0) return;
  const values = cacheable.map(({ item: { hash, result: r }, curve, finishedAt }) =>
    Prisma.sql`(${taskKey}, ${hash}, ${r.status}, ${r.accuracy ?? null}, ${curve}, ${r.trainSeconds ?? null}, ${r.evalSeconds ?? null},
      ${r.engine ?? null}, ${r.workerId ?? null}, ${runId}, ${finishedAt})`,
  );
  // ON CONFLICT DO NOTHING keeps the first result and cannot fail the transaction
  // when another run with the same task commits the same architecture at the same moment.
  await tx.$executeRaw`
    INSERT INTO "ResultCache" ("taskKey", "hash", "status", "accuracy", "curve", "trainSeconds", "evalSeconds", "engine", "workerId", "sourceRunId", "createdAt")
    VALUES ${Prisma.join(values)} ON CONFLICT ("taskKey", "hash") DO NOTHING`;
}

export async function commitResults(
  db: Db,
  target: DatabaseTarget,
  runId: string,
  input: readonly { hash: string; result: CandidateResult }[],
  snapshot: unknown,
  options: CommitOptions,
): Promise<CommitOutcome[]> {
  const items = parseInput(itemsSchema, input, 'results');
  const state = toJsonText(snapshot, 'the controller snapshot');
  try {
    return await db.$transaction(async (tx: Tx): Promise<CommitOutcome[]> => {
      const claimed: (Claimed | undefined)[] = new Array(items.length);
      // One at a time (a transaction is one connection) and in hash order, so two batches
      // sharing candidates lock their rows in the same order and cannot deadlock on PostgreSQL.
      const order = items.map((_, i) => i).sort((a, b) => (items[a]!.hash < items[b]!.hash ? -1 : items[a]!.hash > items[b]!.hash ? 1 : a - b));
      for (const i of order) claimed[i] = await claim(tx, runId, items[i]!);
      const unclaimed = items.filter((_, i) => claimed[i] === undefined).map((item) => item.hash);
      if (unclaimed.length > 0) {
        const found = await tx.$queryRaw<{ hash: string }[]>`SELECT "hash" FROM "Candidate" WHERE "runId" = ${runId} AND "hash" IN ${inList(unclaimed)}`;
        const missing = unclaimed.find((hash) => !found.some((f) => f.hash === hash));
        if (missing !== undefined) throw candidateNotFound(runId, missing);
      }
      const committed = claimed.filter((c): c is Claimed => c !== undefined);
      if (committed.length === 0) return items.map(() => 'duplicate');

      const run = await updateRun(tx, runId, committed);
      const createdAt = committed.at(-1)!.finishedAt;
      await tx.$executeRaw`
        INSERT INTO "ControllerSnapshot" ("runId", "sequence", "resultCount", "state", "createdAt")
        VALUES (${runId}, ${run.snapshotCount}, ${run.resultCount}, ${state}, ${createdAt})`;
      if (run.snapshotCount > options.keepSnapshots) {
        await tx.$executeRaw`DELETE FROM "ControllerSnapshot" WHERE "runId" = ${runId} AND "sequence" <= ${run.snapshotCount - options.keepSnapshots}`;
      }
      await cacheResults(tx, run.taskKey, runId, committed);
      return claimed.map((c) => (c === undefined ? 'duplicate' : 'committed'));
    });
  } catch (error) {
    if (error instanceof BlockqnnError) throw error;
    const which = items.length === 1 ? `the result of ${runId}/${items[0]!.hash}` : `${items.length} results of run ${runId}`;
    throw storeError(error, target, `commit ${which}`);
  }
}
