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
 * Its rows are claimed by one UPDATE ... FROM over the batch, passed as one
 * JSON parameter, rather than one statement per row: at table speed each
 * statement cost about 0.7 ms, most of it Prisma compiling the query.
 */
import { z } from 'zod';
import { BlockqnnError } from '../common/errors.js';
import { Prisma } from './db.js';
import { storeError } from './db-errors.js';
import { batchOf, candidateNotFound, parseInput, toJsonText } from './input.js';
import { RESULT_COUNT_COLUMNS, asParameter, column, inList } from './sql.js';
import type { SqlDatabase, SqlRunner } from './sql-runner.js';
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

/**
 * Test hook of the fault scenarios (src/bench/reliability): when this
 * variable holds a number of milliseconds, every result commit keeps its
 * transaction open that long after its writes, saying so on stderr, so a test
 * can kill -9 the controller inside the commit window. Unset, it costs nothing.
 * Never set it outside tests: it slows every commit down by design.
 */
export const COMMIT_DELAY_ENV = 'BLOCKQNN_FAULT_COMMIT_DELAY_MS';

async function holdCommitForFaultTest(runId: string, results: number): Promise<void> {
  const ms = Number(process.env[COMMIT_DELAY_ENV] ?? 0);
  if (!(ms > 0)) return;
  process.stderr.write(`fault hook ${COMMIT_DELAY_ENV}: holding a commit of ${results} result(s) of run ${runId} open for ${ms} ms\n`);
  await new Promise((resolve) => setTimeout(resolve, ms));
}

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
  /** The metrics as written to the row (JSON text), for the cache. */
  metrics: string | null;
  finishedAt: Date;
}

/**
 * Writes one result if the row is still open. `kind` keeps the two commit paths
 * apart: a search result never lands on a baseline row, nor a baseline's on a
 * searched candidate (whose result must travel with a controller snapshot).
 */
export async function claim(
  tx: SqlRunner,
  runId: string,
  item: Item,
  kind: 'searched' | 'baseline' = 'searched',
): Promise<Claimed | undefined> {
  const r = item.result;
  const curve = r.curve === undefined || r.curve === null ? null : toJsonText(r.curve, 'the training curve');
  const metrics = r.metrics === undefined || r.metrics === null ? null : toJsonText(r.metrics, 'the result metrics');
  const samples = r.samples === undefined || r.samples === null ? null : toJsonText(r.samples, 'the sample grid');
  const isKind = kind === 'baseline' ? Prisma.sql`"baseline" IS NOT NULL` : Prisma.sql`"baseline" IS NULL`;
  const finishedAt = r.finishedAt ?? new Date();
  // Worker, engine, attempts and start time stay as updateCandidate left them when the result does not say.
  const optional = [
    r.workerId !== undefined ? Prisma.sql`, "workerId" = ${r.workerId}` : Prisma.empty,
    r.engine !== undefined ? Prisma.sql`, "engine" = ${r.engine}` : Prisma.empty,
    r.attempts !== undefined ? Prisma.sql`, "attempts" = ${r.attempts}` : Prisma.empty,
    r.startedAt !== undefined ? Prisma.sql`, "startedAt" = ${r.startedAt}` : Prisma.empty,
  ];
  const [row] = await tx.rows<{ id: number }>`
    UPDATE "Candidate" SET "status" = ${r.status}, "accuracy" = ${r.accuracy ?? null}, "reward" = ${r.reward ?? null}, "curve" = ${curve},
      "trainSeconds" = ${r.trainSeconds ?? null}, "evalSeconds" = ${r.evalSeconds ?? null}, "error" = ${r.error ?? null},
      "fromCache" = ${r.fromCache ?? false}, "finishedAt" = ${finishedAt}, "metrics" = ${metrics}, "samples" = ${samples} ${Prisma.join(optional, '')}
    WHERE "runId" = ${runId} AND "hash" = ${item.hash} AND "status" IN ${OPEN} AND ${isKind}
    RETURNING "id"`;
  return row ? { id: row.id, item, curve, metrics, finishedAt } : undefined;
}

type Provider = DatabaseTarget['provider'];

// SQL types of the columns written from JSON rows, for PostgreSQL's jsonb_to_recordset.
const COLUMN_TYPES: Record<string, string> = {
  hash: 'TEXT',
  status: 'TEXT',
  accuracy: 'DOUBLE PRECISION',
  reward: 'DOUBLE PRECISION',
  curve: 'TEXT',
  trainSeconds: 'DOUBLE PRECISION',
  evalSeconds: 'DOUBLE PRECISION',
  error: 'TEXT',
  fromCache: 'BOOLEAN',
  startedAt: 'TIMESTAMP(3)',
  finishedAt: 'TIMESTAMP(3)',
  metrics: 'TEXT',
  samples: 'TEXT',
  workerId: 'TEXT',
  engine: 'TEXT',
  attempts: 'INTEGER',
};

/**
 * Rows as one JSON parameter, opened into a table with the given columns. Per-row
 * parameters cost Prisma far more than the database's JSON functions: a 100-row
 * VALUES list of 12 parameters a row took 17 ms, the JSON table 4 ms. SQLite keeps
 * timestamps as the adapter writes them (ISO 8601 with +00:00) and booleans as 0/1,
 * so the JSON holds them so.
 */
export function jsonRows(provider: Provider, columns: readonly string[], rows: readonly Record<string, unknown>[]): Prisma.Sql {
  const names = columns.map((c) => `"${c}"`).join(', ');
  const encoded = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const c of columns) {
      const v = row[c];
      if (typeof v === 'number') out[c] = asParameter(v);
      else if (provider === 'sqlite' && v instanceof Date) out[c] = v.toISOString().replace('Z', '+00:00');
      else if (provider === 'sqlite' && typeof v === 'boolean') out[c] = v ? 1 : 0;
      else out[c] = v;
    }
    return out;
  });
  if (provider === 'postgresql') {
    const types = columns.map((c) => `"${c}" ${COLUMN_TYPES[c] ?? 'TEXT'}`).join(', ');
    return Prisma.sql`(SELECT ${Prisma.raw(names)} FROM jsonb_to_recordset(CAST(${JSON.stringify(encoded)} AS JSONB)) AS "r"(${Prisma.raw(types)}))`;
  }
  const select = columns.map((c) => `"value" ->> '$.${c}' AS "${c}"`).join(', ');
  return Prisma.sql`(SELECT ${Prisma.raw(select)} FROM json_each(${JSON.stringify(encoded)}))`;
}

/**
 * {@link claim} for many searched results at once: one UPDATE ... FROM over the
 * batch as a JSON table. Rows of one UPDATE set the same columns, so results are
 * grouped by which optional fields they carry (in the search loop they all carry
 * the same). On PostgreSQL the rows are first locked in hash order, so two
 * batches sharing candidates cannot deadlock.
 */
export async function claimMany(
  tx: SqlRunner,
  provider: Provider,
  runId: string,
  items: readonly Item[],
): Promise<(Claimed | undefined)[]> {
  const out: (Claimed | undefined)[] = items.map(() => undefined);
  if (provider === 'postgresql') {
    const hashes = [...new Set(items.map((i) => i.hash))].sort();
    await tx.rows`SELECT "id" FROM "Candidate" WHERE "runId" = ${runId} AND "hash" IN ${inList(hashes)} ORDER BY "hash" FOR UPDATE`;
  }
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const r = item.result;
    const signature = `${r.workerId !== undefined}${r.engine !== undefined}${r.attempts !== undefined}${r.startedAt !== undefined}`;
    groups.set(signature, [...(groups.get(signature) ?? []), i]);
  });
  // A hash twice in a batch: only its first item can claim the row (as with one UPDATE per item).
  const seen = new Set<string>();
  for (const indices of groups.values()) {
    const first = items[indices[0]!]!.result;
    const optional = (['workerId', 'engine', 'attempts', 'startedAt'] as const).filter((c) => first[c] !== undefined);
    const chunk = indices.filter((i) => !seen.has(items[i]!.hash) && seen.add(items[i]!.hash));
    if (chunk.length === 0) continue;
    const prepared = new Map<string, { index: number; curve: string | null; metrics: string | null; finishedAt: Date }>();
    const rows = chunk.map((i) => {
      const { hash, result: r } = items[i]!;
      const curve = r.curve === undefined || r.curve === null ? null : toJsonText(r.curve, 'the training curve');
      const metrics = r.metrics === undefined || r.metrics === null ? null : toJsonText(r.metrics, 'the result metrics');
      const samples = r.samples === undefined || r.samples === null ? null : toJsonText(r.samples, 'the sample grid');
      const finishedAt = r.finishedAt ?? new Date();
      prepared.set(hash, { index: i, curve, metrics, finishedAt });
      return {
        hash,
        status: r.status,
        accuracy: r.accuracy ?? null,
        reward: r.reward ?? null,
        curve,
        trainSeconds: r.trainSeconds ?? null,
        evalSeconds: r.evalSeconds ?? null,
        error: r.error ?? null,
        fromCache: r.fromCache ?? false,
        finishedAt,
        metrics,
        samples,
        workerId: r.workerId ?? null,
        engine: r.engine ?? null,
        attempts: r.attempts ?? 0,
        startedAt: r.startedAt ?? null,
      };
    });
    const columns = [
      'hash',
      'status',
      'accuracy',
      'reward',
      'curve',
      'trainSeconds',
      'evalSeconds',
      'error',
      'fromCache',
      'finishedAt',
      'metrics',
      'samples',
      ...optional,
    ];
    const set = columns.slice(1).map((c) => Prisma.raw(`"${c}" = "v"."${c}"`));
    // Materialised, so the planner walks the batch and finds each row along the (runId, hash) index.
    const updated = await tx.rows<{ id: number; hash: string }>`
      WITH "v" AS MATERIALIZED ${jsonRows(provider, columns, rows)}
      UPDATE "Candidate" SET ${Prisma.join(set)} FROM "v"
      WHERE "Candidate"."runId" = ${runId} AND "Candidate"."hash" = "v"."hash" AND "Candidate"."status" IN ${OPEN} AND "Candidate"."baseline" IS NULL
      RETURNING "Candidate"."id", "Candidate"."hash"`;
    for (const row of updated) {
      const p = prepared.get(row.hash)!;
      out[p.index] = { id: row.id, item: items[p.index]!, curve: p.curve, metrics: p.metrics, finishedAt: p.finishedAt };
    }
  }
  return out;
}

/** One UPDATE of the run for the whole batch: counters, snapshot number and best reward. */
async function updateRun(tx: SqlRunner, runId: string, claimed: readonly Claimed[]) {
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
  const [run] = await tx.rows<{ resultCount: number; snapshotCount: number; taskKey: string }>`
    UPDATE "Run" SET "resultCount" = "resultCount" + ${claimed.length}, "snapshotCount" = "snapshotCount" + 1 ${Prisma.join(perStatus, '')} ${setBest}
    WHERE "id" = ${runId} RETURNING "resultCount", "snapshotCount", "taskKey"`;
  return run!;
}

/** Puts the cacheable results among `committed` into the cross-run cache under the run's task key. */
export async function cacheResults(
  tx: SqlRunner,
  provider: Provider,
  taskKey: string,
  runId: string,
  committed: readonly Claimed[],
): Promise<void> {
  const cacheable = committed.filter(
    (c) => (CACHEABLE_STATUSES as readonly string[]).includes(c.item.result.status) && !c.item.result.fromCache,
  );
  if (cacheable.length === 0) return;
  const rows = cacheable.map(({ item: { hash, result: r }, curve, metrics, finishedAt }) => ({
    hash,
    status: r.status,
    accuracy: r.accuracy ?? null,
    curve,
    trainSeconds: r.trainSeconds ?? null,
    evalSeconds: r.evalSeconds ?? null,
    engine: r.engine ?? null,
    workerId: r.workerId ?? null,
    finishedAt,
    metrics,
  }));
  const columns = ['hash', 'status', 'accuracy', 'curve', 'trainSeconds', 'evalSeconds', 'engine', 'workerId', 'finishedAt', 'metrics'];
  // ON CONFLICT DO NOTHING keeps the first result and cannot fail the transaction
  // when another run with the same task commits the same architecture at the same moment.
  // (`WHERE true` lets SQLite tell the upsert clause from a join condition.)
  await tx.run`
    INSERT INTO "ResultCache" ("taskKey", "hash", "status", "accuracy", "curve", "trainSeconds", "evalSeconds", "engine", "workerId", "sourceRunId", "createdAt", "metrics")
    SELECT ${taskKey}, "v"."hash", "v"."status", "v"."accuracy", "v"."curve", "v"."trainSeconds", "v"."evalSeconds", "v"."engine", "v"."workerId", ${runId}, "v"."finishedAt", "v"."metrics"
    FROM ${jsonRows(provider, columns, rows)} AS "v" WHERE true ON CONFLICT ("taskKey", "hash") DO NOTHING`;
}

export async function commitResults(
  db: SqlDatabase,
  target: DatabaseTarget,
  runId: string,
  input: readonly { hash: string; result: CandidateResult }[],
  snapshot: unknown,
  options: CommitOptions,
): Promise<CommitOutcome[]> {
  const items = parseInput(itemsSchema, input, 'results');
  const state = toJsonText(snapshot, 'the controller snapshot');
  try {
    return await db.transaction(async (tx): Promise<CommitOutcome[]> => {
      const claimed = await claimMany(tx, target.provider, runId, items);
      const unclaimed = items.filter((_, i) => claimed[i] === undefined).map((item) => item.hash);
      if (unclaimed.length > 0) {
        const found = await tx.rows<{
          hash: string;
        }>`SELECT "hash" FROM "Candidate" WHERE "runId" = ${runId} AND "hash" IN ${inList(unclaimed)}`;
        const missing = unclaimed.find((hash) => !found.some((f) => f.hash === hash));
        if (missing !== undefined) throw candidateNotFound(runId, missing);
      }
      const committed = claimed.filter((c): c is Claimed => c !== undefined);
      if (committed.length === 0) return items.map(() => 'duplicate');

      const run = await updateRun(tx, runId, committed);
      const createdAt = committed.at(-1)!.finishedAt;
      await tx.run`
        INSERT INTO "ControllerSnapshot" ("runId", "sequence", "resultCount", "state", "createdAt")
        VALUES (${runId}, ${run.snapshotCount}, ${run.resultCount}, ${state}, ${createdAt})`;
      if (run.snapshotCount > options.keepSnapshots) {
        await tx.run`DELETE FROM "ControllerSnapshot" WHERE "runId" = ${runId} AND "sequence" <= ${run.snapshotCount - options.keepSnapshots}`;
      }
      await cacheResults(tx, target.provider, run.taskKey, runId, committed);
      await holdCommitForFaultTest(runId, committed.length);
      return claimed.map((c) => (c === undefined ? 'duplicate' : 'committed'));
    });
  } catch (error) {
    if (error instanceof BlockqnnError) throw error;
    const which = items.length === 1 ? `the result of ${runId}/${items[0]!.hash}` : `${items.length} results of run ${runId}`;
    throw storeError(error, target, `commit ${which}`);
  }
}
