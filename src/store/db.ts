/**
 * The Prisma clients, one per provider, typed as one. Prisma generates a
 * client per provider (each embeds its provider's query compiler), but both
 * come from the same models (prisma/postgresql.prisma is derived from
 * prisma/schema.prisma), so their model APIs are the same and the store is
 * written once against the SQLite client's types. The store uses no
 * provider-only feature (such as `mode: 'insensitive'`) and writes its raw
 * SQL for both dialects (sql.ts), which keeps that cast honest; the
 * conformance suite runs every method on both.
 */
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.js';

export type Db = SqliteClient;
export type Tx = Prisma.TransactionClient;
export { Prisma };

// Interactive transactions queue behind each other (SQLite has one writer, the
// PostgreSQL pool a few connections): wait for a turn rather than fail under load.
const transactionOptions = { maxWait: 60_000, timeout: 60_000 };

export interface SqliteClientOptions {
  path: string;
  busyTimeoutMs: number;
}

export function createSqliteClient(options: SqliteClientOptions): Db {
  const adapter = new PrismaBetterSQLite3({ url: options.path, timeout: options.busyTimeoutMs });
  return new SqliteClient({ adapter, transactionOptions });
}

export interface PostgresClientOptions {
  connectionString: string;
  poolSize: number;
  connectTimeoutMs: number;
}

export function createPostgresClient(options: PostgresClientOptions): Db {
  const adapter = new PrismaPg({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
  });
  return new PostgresClient({ adapter, transactionOptions }) as unknown as Db;
}
