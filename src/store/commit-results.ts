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
 * Its rows are claimed by one multi-row UPDATE (a VALUES list joined with
 * UPDATE ... FROM) rather than one statement per row: at table speed each
 * statement cost about 0.7 ms, most of it Prisma compiling the query.
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

type Provider = DatabaseTarget['provider'];

// Rows per UPDATE: at most 14 parameters each stays well under SQLite's 32,766.
const CLAIM_CHUNK = 500;

/** PostgreSQL types a VALUES list from its parameters, which arrive untyped: say each column's type there. */
function typed(provider: Provider, value: unknown, type: string): Prisma.Sql {
  return provider === 'postgresql' ? Prisma.sql`CAST(${value} AS ${Prisma.raw(type)})` : Prisma.sql`${value}`;
}

/**
 * {@link claim} for many searched results at once. Rows of one UPDATE must set
 * the same columns, so results are grouped by which optional fields they carry
 * (in the search loop they all carry the same). On PostgreSQL the rows are
 * first locked in hash order, so two batches sharing candidates cannot deadlock.
 */
export async function claimMany(tx: Tx, provider: Provider, runId: string, items: readonly Item[]): Promise<(Claimed | undefined)[]> {
  const out: (Claimed | undefined)[] = items.map(() => undefined);
  if (provider === 'postgresql') {
    const hashes = [...new Set(items.map((i) => i.hash))].sort();
    await tx.$queryRaw`SELECT "id" FROM "Candidate" WHERE "runId" = ${runId} AND "hash" IN ${inList(hashes)} ORDER BY "hash" FOR UPDATE`;
  }
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const r = item.result;
    const signature = `${r.workerId !== undefined}${r.engine !== undefined}${r.attempts !== undefined}`;
    groups.set(signature, [...(groups.get(signature) ?? []), i]);
  });
  // A hash twice in a batch: only its first item can claim the row (as with one UPDATE per item).
  const seen = new Set<string>();
  for (const indices of groups.values()) {
    const first = items[indices[0]!]!.result;
    const optional = [first.workerId !== undefined && 'workerId', first.engine !== undefined && 'engine', first.attempts !== undefined && 'attempts'].filter((c): c is string => c !== false);
    for (let start = 0; start < indices.length; start += CLAIM_CHUNK) {
      const chunk = indices.slice(start, start + CLAIM_CHUNK).filter((i) => !seen.has(items[i]!.hash) && seen.add(items[i]!.hash));
      if (chunk.length === 0) continue;
      const prepared = new Map<string, { index: number; curve: string | null; finishedAt: Date }>();
      const rows = chunk.map((i) => {
        const { hash, result: r } = items[i]!;
        const curve = r.curve === undefined || r.curve === null ? null : toJsonText(r.curve, 'the training curve');
        const metrics = r.metrics === undefined || r.metrics === null ? null : toJsonText(r.metrics, 'the result metrics');
        const finishedAt = r.finishedAt ?? new Date();
        prepared.set(hash, { index: i, curve, finishedAt });
        const values = [
          typed(provider, hash, 'TEXT'), typed(provider, r.status, 'TEXT'), typed(provider, r.accuracy ?? null, 'DOUBLE PRECISION'),
          typed(provider, r.reward ?? null, 'DOUBLE PRECISION'), typed(provider, curve, 'TEXT'), typed(provider, r.trainSeconds ?? null, 'DOUBLE PRECISION'),
          typed(provider, r.evalSeconds ?? null, 'DOUBLE PRECISION'), typed(provider, r.error ?? null, 'TEXT'), typed(provider, r.fromCache ?? false, 'BOOLEAN'),
          typed(provider, finishedAt, 'TIMESTAMP(3)'), typed(provider, metrics, 'TEXT'),
          ...(optional.includes('workerId') ? [typed(provider, r.workerId ?? null, 'TEXT')] : []),
          ...(optional.includes('engine') ? [typed(provider, r.engine ?? null, 'TEXT')] : []),
          ...(optional.includes('attempts') ? [typed(provider, r.attempts ?? 0, 'INTEGER')] : []),
        ];
        return Prisma.sql`(${Prisma.join(values)})`;
      });
      const columns = ['hash', 'status', 'accuracy', 'reward', 'curve', 'trainSeconds', 'evalSeconds', 'error', 'fromCache', 'finishedAt', 'metrics', ...optional];
      const set = columns.slice(1).map((c) => Prisma.raw(`"${c}" = "v"."${c}"`));
      const updated = await tx.$queryRaw<{ id: number; hash: string }[]>`
        WITH "v" (${Prisma.raw(columns.map((c) => `"${c}"`).join(', '))}) AS (VALUES ${Prisma.join(rows)})
        UPDATE "Candidate" SET ${Prisma.join(set)} FROM "v"
        WHERE "Candidate"."runId" = ${runId} AND "Candidate"."hash" = "v"."hash" AND "Candidate"."status" IN ${OPEN} AND "Candidate"."baseline" IS NULL
        RETURNING "Candidate"."id", "Candidate"."hash"`;
      for (const row of updated) {
        const p = prepared.get(row.hash)!;
        out[p.index] = { id: row.id, item: items[p.index]!, curve: p.curve, finishedAt: p.finishedAt };
      }
    }
  }
  return out;
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
      const claimed = await claimMany(tx, target.provider, runId, items);
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
