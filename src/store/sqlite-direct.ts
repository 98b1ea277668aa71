/**
 * The SQLite side of sql-runner.ts: the store's write paths on a better-sqlite3
 * connection of their own, beside Prisma's. Values go in and come out as they
 * do through Prisma's SQLite adapter, so rows written either way read the same:
 * - in: timestamps as ISO 8601 with +00:00, booleans as 0/1, floats rounded to
 *   16 significant digits (what Prisma 6.19 hands the driver);
 * - out: DATETIME columns as Date, BOOLEAN as boolean, BIGINT as bigint.
 * The store runs every SQLite operation through one Serial (serial.ts), so this
 * connection and Prisma's never hold transactions at the same time.
 */
import Database from 'better-sqlite3';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { Prisma } from './db.js';
import { asParameter } from './sql.js';
import type { SqlDatabase, SqlRunner } from './sql-runner.js';

export interface DirectSqliteOptions {
  busyTimeoutMs: number;
  synchronous: 'full' | 'normal';
}

type Convert = (value: unknown) => unknown;

interface Prepared {
  statement: Database.Statement;
  /** Per result column, how its value becomes what Prisma would return (none for a write without RETURNING). */
  converters: [string, Convert | undefined][] | null;
}

/** Statements kept prepared: batch statements vary with the batch size, so the cache is bounded. */
const MAX_PREPARED = 256;

// "YYYY-MM-DD HH:MM:SS" is SQLite's CURRENT_TIMESTAMP: UTC without a zone.
const toDate: Convert = (v) =>
  v === null
    ? null
    : typeof v === 'number'
      ? new Date(v)
      : new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(String(v)) ? String(v) : `${String(v).replace(' ', 'T')}Z`);
const toBoolean: Convert = (v) => (v === null ? null : Boolean(v));
const toBigInt: Convert = (v) => (v === null ? null : BigInt(v as number));

function converterFor(declaredType: string | null): Convert | undefined {
  switch ((declaredType ?? '').toUpperCase()) {
    case 'DATETIME':
    case 'TIMESTAMP':
      return toDate;
    case 'BOOLEAN':
      return toBoolean;
    case 'BIGINT':
      return toBigInt;
    default:
      return undefined;
  }
}

function toArgument(value: unknown): unknown {
  if (typeof value === 'number') return asParameter(value);
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value === undefined ? null : value;
}

export class DirectSqlite implements SqlDatabase {
  private readonly db: Database.Database;
  private readonly prepared = new Map<string, Prepared>();

  constructor(path: string, options: DirectSqliteOptions) {
    this.db = new Database(path, { timeout: options.busyTimeoutMs, fileMustExist: true });
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
  }

  private prepare(sql: string): Prepared {
    let p = this.prepared.get(sql);
    if (p) {
      // Most recently used last, so the first entry is the one to drop.
      this.prepared.delete(sql);
      this.prepared.set(sql, p);
      return p;
    }
    const statement = this.db.prepare(sql);
    p = { statement, converters: statement.reader ? statement.columns().map((c) => [c.name, converterFor(c.type)]) : null };
    this.prepared.set(sql, p);
    if (this.prepared.size > MAX_PREPARED) this.prepared.delete(this.prepared.keys().next().value!);
    return p;
  }

  /** The prepared statement of a tagged template, and its values as the driver takes them. */
  private bind(strings: TemplateStringsArray, values: unknown[]): Prepared & { args: unknown[] } {
    const sql = Prisma.sql(strings, ...values);
    return { ...this.prepare(sql.sql), args: sql.values.map(toArgument) };
  }

  async rows<T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T[]> {
    const { statement, converters, args } = this.bind(strings, values);
    if (!converters) {
      statement.run(...args);
      return [];
    }
    const rows = statement.all(...args) as Record<string, unknown>[];
    for (const row of rows) for (const [name, convert] of converters) if (convert) row[name] = convert(row[name]);
    return rows as T[];
  }

  async run(strings: TemplateStringsArray, ...values: unknown[]): Promise<number> {
    const { statement, args } = this.bind(strings, values);
    return statement.run(...args).changes;
  }

  /**
   * BEGIN IMMEDIATE takes the write lock at once (waiting out another process's
   * up to the busy timeout), so no statement inside can fail on a lock upgrade.
   */
  async transaction<T>(work: (q: SqlRunner) => Promise<T>): Promise<T> {
    if (this.db.inTransaction) {
      throw new BlockqnnError(
        ErrorCode.INTERNAL,
        'a SQLite transaction was opened inside another; store operations must run one at a time',
      );
    }
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work(this);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      // A failed COMMIT (disk full) can leave the transaction open: end it, or the next BEGIN fails too.
      if (this.db.inTransaction) {
        try {
          this.db.exec('ROLLBACK');
        } catch {
          // The original error says what went wrong.
        }
      }
      throw error;
    }
  }

  close(): void {
    this.prepared.clear();
    if (this.db.open) this.db.close();
  }
}
