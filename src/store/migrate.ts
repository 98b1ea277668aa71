/**
 * Applies the checked-in migrations (prisma/migrations/<provider>/) when the
 * store opens, offline and without Prisma's CLI: in Prisma 6.19 the JS schema
 * engine cannot read its own migrations table on PostgreSQL, and the Rust one
 * is a download.
 *
 * The bookkeeping is Prisma's own `_prisma_migrations` table (same columns,
 * same SHA-256 checksums), so `prisma migrate status` agrees with us and a
 * database that `prisma migrate deploy` set up opens without a second apply.
 * All pending migrations and their rows commit in one transaction under a
 * lock, so two processes opening a fresh database at once apply them once,
 * and a failing migration leaves the database as it was.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

// Resolves to <repo>/prisma/migrations from src/store and from dist/store alike.
const MIGRATIONS_ROOT = new URL('../../prisma/migrations/', import.meta.url);

// Prisma's own advisory lock key, so `prisma migrate deploy` and the store never migrate at once.
const PG_LOCK_KEY = 72707369;

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const POSTGRES_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

const SELECT_APPLIED = 'SELECT "migration_name", "checksum", "finished_at", "rolled_back_at" FROM "_prisma_migrations"';

/** The provider's migrations in the order they apply (their names start with a timestamp). */
export function loadMigrations(provider: 'sqlite' | 'postgresql', root: URL = MIGRATIONS_ROOT): Migration[] {
  const dir = new URL(`${provider}/`, root);
  if (!existsSync(dir)) {
    throw new BlockqnnError(ErrorCode.INTERNAL, `no migrations found at ${dir.pathname}`, {
      hint: 'the prisma/ folder must ship beside src/ or dist/; reinstall blockqnn',
    });
  }
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(new URL(`${entry.name}/migration.sql`, dir)))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(new URL(`${name}/migration.sql`, dir), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Which migrations still have to run; throws when the database and the code disagree about the past. */
export function pendingMigrations(migrations: readonly Migration[], applied: readonly AppliedRow[]): Migration[] {
  const done = new Map<string, AppliedRow>();
  for (const row of applied) {
    if (row.rolled_back_at !== null) continue;
    if (row.finished_at === null) {
      throw new BlockqnnError(ErrorCode.INTERNAL, `migration ${row.migration_name} started earlier and never finished`, {
        hint: 'a Prisma CLI run was interrupted; repair the database, then `npx prisma migrate resolve --applied|--rolled-back <name>`',
      });
    }
    done.set(row.migration_name, row);
  }
  const known = new Set(migrations.map((m) => m.name));
  const unknown = [...done.keys()].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `the database was migrated by a newer blockqnn (unknown migrations: ${unknown.join(', ')})`,
      {
        hint: 'upgrade blockqnn on this machine, or use another database',
      },
    );
  }
  for (const migration of migrations) {
    const row = done.get(migration.name);
    if (row && row.checksum !== migration.checksum) {
      throw new BlockqnnError(ErrorCode.INTERNAL, `migration ${migration.name} was changed after it was applied to this database`, {
        hint: 'migrations are append-only: restore the file and add a new migration for the change',
      });
    }
  }
  return migrations.filter((m) => !done.has(m.name));
}

/** Applies pending migrations to a SQLite database; returns the names applied. */
export function migrateSqlite(db: BetterSqlite3.Database, migrations: readonly Migration[]): string[] {
  // Prisma's SQLite migrations redefine tables by copy-and-drop and expect foreign
  // keys off meanwhile; the pragma is ignored inside a transaction, so set it
  // before BEGIN and check the constraints ourselves before COMMIT.
  db.pragma('foreign_keys = OFF');
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(SQLITE_TABLE);
    const pending = pendingMigrations(migrations, db.prepare(SELECT_APPLIED).all() as AppliedRow[]);
    const record = db.prepare(
      'INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count") VALUES (?, ?, ?, ?, ?, 1)',
    );
    for (const migration of pending) {
      const startedAt = sqliteNow();
      db.exec(migration.sql);
      record.run(randomUUID(), migration.checksum, sqliteNow(), migration.name, startedAt);
    }
    const violations = db.pragma('foreign_key_check') as unknown[];
    if (violations.length > 0) {
      throw new BlockqnnError(ErrorCode.INTERNAL, `migrations left ${violations.length} foreign-key violations; nothing was applied`, {
        details: { violations: violations.slice(0, 10) },
      });
    }
    db.exec('COMMIT');
    return pending.map((m) => m.name);
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

/** Applies pending migrations to a PostgreSQL database; returns the names applied. */
export async function migratePostgres(client: pg.Client, migrations: readonly Migration[]): Promise<string[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [PG_LOCK_KEY]);
    await client.query(POSTGRES_TABLE);
    const applied = await client.query<AppliedRow>(SELECT_APPLIED);
    const pending = pendingMigrations(migrations, applied.rows);
    for (const migration of pending) {
      const startedAt = new Date();
      // No parameters: the simple query protocol runs a multi-statement script.
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count") VALUES ($1, $2, now(), $3, $4, 1)',
        [randomUUID(), migration.checksum, migration.name, startedAt],
      );
    }
    await client.query('COMMIT');
    return pending.map((m) => m.name);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Timestamps in the text form Prisma's SQLite schema engine writes to this table. */
function sqliteNow(): string {
  return new Date().toISOString().replace('Z', '+00:00');
}
