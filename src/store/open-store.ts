/**
 * Opening a store: pick the backend from the URL, prove the database is
 * reachable and writable, apply pending migrations, then hand the database to
 * Prisma. Migrations run on a plain driver connection (better-sqlite3 or
 * node-postgres) because they are multi-statement scripts and because a
 * refused connection or an unwritable file is reported best by the driver
 * itself, before Prisma wraps it.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { rebuildStoredIr } from '../search-space/index.js';
import { createPostgresClient, createSqliteClient, type Db } from './db.js';
import { storeError } from './db-errors.js';
import { takeReserve } from './disk-reserve.js';
import { loadMigrations, migratePostgres, migrateSqlite } from './migrate.js';
import { PrismaStore } from './prisma-store.js';
import type { IrRebuild } from './recomputed-ir.js';
import { DirectSqlite } from './sqlite-direct.js';
import type { Store } from './store.js';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, type DatabaseTarget } from './url.js';

export interface OpenStoreOptions {
  /** Controller snapshots kept per run, newest first (default 2). */
  keepSnapshots?: number;
  /** SQLite: how long a writer waits for another process's lock (default 10 s). */
  busyTimeoutMs?: number;
  /**
   * SQLite durability. 'full' (default) syncs every commit to disk, so a
   * committed result survives a power cut; 'normal' syncs at WAL checkpoints
   * only: still safe against a crashed or killed process, several times faster.
   */
  synchronous?: 'full' | 'normal';
  /** PostgreSQL: pool size (default 10) and connect timeout (default 5 s). */
  poolSize?: number;
  connectTimeoutMs?: number;
  /** Folder of final-training checkpoints (default: BLOCKQNN_CHECKPOINT_DIR, else beside a SQLite file; see TrainingStore.checkpointDir). */
  checkpointDir?: string;
  /** Rebuilds the IR of candidate rows that keep none (default: the search-space registry's, from the run's stored configuration). */
  rebuildIr?: IrRebuild;
}

/**
 * Opens the store at `url` (default: DATABASE_URL, else file:./blockqnn.db),
 * applying pending migrations first.
 *
 * @example
 * const store = await openStore(process.env.DATABASE_URL);
 * try { console.log(await store.listRuns()); } finally { await store.close(); }
 */
export async function openStore(
  url: string = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const keepSnapshots = options.keepSnapshots ?? 2;
  if (!Number.isInteger(keepSnapshots) || keepSnapshots < 1) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `keepSnapshots must be a positive integer, got ${keepSnapshots}`);
  }
  const target = parseDatabaseUrl(url);
  const { checkpointDir, rebuildIr = rebuildStoredIr } = options;
  if (target.provider === 'postgresql')
    return new PrismaStore(await openPostgres(target, options), target, { keepSnapshots, checkpointDir, rebuildIr });
  const { db, writes } = await openSqlite(target, options);
  return new PrismaStore(db, target, { keepSnapshots, writes, checkpointDir, rebuildIr });
}

type SqliteTarget = Extract<DatabaseTarget, { provider: 'sqlite' }>;
type PostgresTarget = Extract<DatabaseTarget, { provider: 'postgresql' }>;

/** Prisma's client, and the direct connection the write paths use (sqlite-direct.ts). */
async function openSqlite(target: SqliteTarget, options: OpenStoreOptions): Promise<{ db: Db; writes: DirectSqlite }> {
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  const directory = dirname(target.path);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new BlockqnnError(ErrorCode.UNREACHABLE, `SQLite database ${target.path}: directory ${directory} does not exist`, {
      hint: `create it (mkdir -p ${directory}) or choose another path`,
      details: { url: target.display },
    });
  }
  let raw: Database.Database | undefined;
  try {
    raw = new Database(target.path, { timeout: busyTimeoutMs });
    // WAL lets the dashboard read while the controller writes; the mode is stored in
    // the file, and setting it is the first write, so it also proves we may write.
    raw.pragma('journal_mode = WAL');
    takeReserve(target.path);
    migrateSqlite(raw, loadMigrations('sqlite'));
  } catch (error) {
    throw storeError(error, target, 'open the database');
  } finally {
    raw?.close();
  }
  const db = createSqliteClient({ path: target.path, busyTimeoutMs });
  let writes: DirectSqlite | undefined;
  try {
    // Per-connection settings: the adapter holds one connection for the client's lifetime.
    await db.$executeRawUnsafe(`PRAGMA synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
    writes = new DirectSqlite(target.path, { busyTimeoutMs, synchronous: options.synchronous ?? 'full' });
  } catch (error) {
    await db.$disconnect().catch(() => undefined);
    throw storeError(error, target, 'open the database');
  }
  return { db, writes };
}

async function openPostgres(target: PostgresTarget, options: OpenStoreOptions): Promise<Db> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const client = new pg.Client({ connectionString: target.connectionString, connectionTimeoutMillis: connectTimeoutMs });
  // A server that goes away mid-migration emits 'error' on the client; the failing query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await migratePostgres(client, loadMigrations('postgresql'));
  } catch (error) {
    throw storeError(error, target, 'open the database');
  } finally {
    await client.end().catch(() => undefined);
  }
  return createPostgresClient({ connectionString: target.connectionString, poolSize: options.poolSize ?? 10, connectTimeoutMs });
}
