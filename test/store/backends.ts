/**
 * Real databases for the store tests: a SQLite file in a fresh temporary
 * directory, or a PostgreSQL database with a unique name on the machine's
 * server (BLOCKQNN_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres),
 * dropped afterwards. `sql` reaches the database on a plain driver connection,
 * beside the store, to plant or damage rows the store would never write.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.BLOCKQNN_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  /** SQL with `?` placeholders, on a connection of its own; returns the rows (none for writes). */
  sql(query: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** A multi-statement SQL script, as a migration file holds. */
  script(sql: string): Promise<void>;
  drop(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgresql';
  create(): Promise<TestDatabase>;
}

const unique = (): string => `${process.pid}_${randomBytes(4).toString('hex')}`;

export const sqliteBackend: Backend = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'blockqnn-store-'));
    const path = join(dir, 'test.db');
    let raw: Database.Database | undefined;
    return {
      url: `file:${path}`,
      async sql(query, params = []) {
        raw ??= new Database(path, { timeout: 10_000 });
        const statement = raw.prepare(query);
        if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
        statement.run(...params);
        return [];
      },
      async script(sql) {
        raw ??= new Database(path, { timeout: 10_000 });
        raw.exec(sql);
      },
      async drop() {
        raw?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** Connects to the server's maintenance database (to create and drop test databases). */
export async function pgAdmin(): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  return admin;
}

export function pgUrlFor(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export const postgresBackend: Backend = {
  name: 'postgresql',
  async create() {
    const name = `blockqnn_test_${unique()}`;
    const admin = await pgAdmin();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const url = pgUrlFor(name);
    let raw: pg.Client | undefined;
    const connection = async (): Promise<pg.Client> => {
      if (!raw) {
        raw = new pg.Client({ connectionString: url });
        await raw.connect();
      }
      return raw;
    };
    return {
      url,
      async sql(query, params = []) {
        let n = 0;
        const result = await (
          await connection()
        ).query(
          query.replace(/\?/g, () => `$${++n}`),
          params,
        );
        return result.rows as Record<string, unknown>[];
      },
      async script(sql) {
        // Without parameters node-postgres uses the simple protocol, which runs several statements.
        await (await connection()).query(sql);
      },
      async drop() {
        await raw?.end();
        const admin = await pgAdmin();
        try {
          await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await admin.end();
        }
      },
    };
  },
};

export const BACKENDS: readonly Backend[] = [sqliteBackend, postgresBackend];
