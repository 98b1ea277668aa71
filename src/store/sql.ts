/**
 * SQL shared by the store's hot paths. Those paths (queueing, committing,
 * paging, counting) use tagged-template raw queries instead of Prisma's model
 * API: with Prisma 6.19's client engine a model query costs about five times a
 * raw one (measured here: a 50-row page 13.5 ms against 2.5 ms, an update
 * 1.7 ms against 0.4 ms), and the search loop runs them for every candidate;
 * on SQLite the writes skip Prisma altogether (sql-runner.ts). The SQL is
 * written once for both providers: double-quoted identifiers, `RETURNING` and
 * `ON CONFLICT` mean the same on SQLite (3.35+) and PostgreSQL, and
 * `Prisma.sql` turns `${value}` into `?` or `$n` parameters.
 * Identifiers never come from callers: only from the fixed maps below.
 */
import { Prisma } from './db.js';
import type { CandidateSortKey, ResultStatus } from './types.js';

/** Every Candidate column but the IR, in the shape of the Prisma model (see rows.ts). */
export const CANDIDATE_COLUMNS = Prisma.raw(
  [
    'id',
    'runId',
    'hash',
    'sequence',
    'nsc',
    'flops',
    'params',
    'density',
    'status',
    'accuracy',
    'reward',
    'curve',
    'trainSeconds',
    'evalSeconds',
    'workerId',
    'engine',
    'attempts',
    'error',
    'fromCache',
    'createdAt',
    'startedAt',
    'finishedAt',
    'baseline',
    'metrics',
  ]
    .map((c) => `"${c}"`)
    .join(', '),
);

/** Run column that counts each result status. */
export const RESULT_COUNT_COLUMNS: Record<ResultStatus, string> = {
  ok: 'okCount',
  diverged: 'divergedCount',
  too_large: 'tooLargeCount',
  failed: 'failedCount',
  pruned: 'prunedCount',
};

export const SORT_COLUMNS: Record<CandidateSortKey, Prisma.Sql> = {
  sequence: Prisma.raw('"sequence"'),
  reward: Prisma.raw('"reward"'),
  accuracy: Prisma.raw('"accuracy"'),
  flops: Prisma.raw('"flops"'),
};

export const column = (name: string): Prisma.Sql => Prisma.raw(`"${name}"`);

/** `(?, ?, ...)` with one parameter per value. */
export const inList = (values: readonly (string | number)[]): Prisma.Sql => Prisma.sql`(${Prisma.join(values)})`;

/** COUNT(*) arrives as bigint from both drivers. */
export const count = (value: bigint | number | undefined): number => Number(value ?? 0);

/**
 * The same number a `${value}` parameter stores: Prisma 6.19 hands raw-query
 * floats to the driver rounded to 16 significant digits (0.45000000000000007
 * arrives as 0.4500000000000001). Values written through JSON get the same
 * rounding, or a cursor bound as a parameter would not find the row it came from.
 */
export const asParameter = (x: number): number => (Number.isInteger(x) || !Number.isFinite(x) ? x : Number(x.toPrecision(16)));
