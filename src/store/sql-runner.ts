/**
 * What the store's write paths need of a database: raw statements, written as
 * tagged templates (`${value}` becomes a parameter), inside or outside one
 * transaction. The write paths (queue-candidates.ts, commit-results.ts,
 * baseline-rows.ts) are written once against this and run on either of:
 * - Prisma (`prismaSql`), for PostgreSQL;
 * - better-sqlite3 directly (sqlite-direct.ts), for SQLite: Prisma 6.19's
 *   client engine spends about 0.4 ms of CPU on every statement, 20 times what
 *   SQLite itself needs, and the search loop runs a dozen statements per commit.
 */
import { Prisma, type Db, type Tx } from './db.js';

export interface SqlRunner {
  /** Rows of a statement (SELECT, or a write with RETURNING). */
  rows<T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T[]>;
  /** A statement's count of changed rows. */
  run(strings: TemplateStringsArray, ...values: unknown[]): Promise<number>;
}

export interface SqlDatabase extends SqlRunner {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (q: SqlRunner) => Promise<T>): Promise<T>;
}

function runnerOf(q: Db | Tx): SqlRunner {
  return {
    rows: <T>(strings: TemplateStringsArray, ...values: unknown[]) => q.$queryRaw<T[]>(Prisma.sql(strings, ...values)),
    run: (strings: TemplateStringsArray, ...values: unknown[]) => q.$executeRaw(Prisma.sql(strings, ...values)),
  };
}

/** The SqlDatabase of a Prisma client (its interactive transactions). */
export function prismaSql(db: Db): SqlDatabase {
  return { ...runnerOf(db), transaction: (work) => db.$transaction((tx) => work(runnerOf(tx))) };
}
