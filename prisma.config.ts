/**
 * Prisma CLI configuration. Only Prisma's own commands read it (generate,
 * migrate diff / deploy / status, studio); the store applies the checked-in
 * migrations itself when it opens and never runs the CLI.
 *
 * `engine: 'js'` with a driver adapter because the Rust schema engine is
 * downloaded at install time, which fails offline; the JS engine drives the
 * database through the same adapters the store uses.
 *
 * The provider follows DATABASE_URL, like the store: postgres:// or
 * postgresql:// selects prisma/postgresql.prisma and its migrations, anything
 * else (default file:./blockqnn.db) the SQLite schema.
 *
 * What works offline with Prisma 6.19's JS engine: `generate` (no database
 * needed), `migrate diff` (connects, writes nothing), and on SQLite
 * `migrate status` / `migrate deploy`. On PostgreSQL the JS engine cannot read
 * `_prisma_migrations` or introspect ("Column type 'name' could not be
 * deserialized"), one more reason the store applies migrations itself.
 */
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';

const url = process.env.DATABASE_URL ?? 'file:./blockqnn.db';
const postgres = /^postgres(ql)?:\/\//i.test(url);

export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: postgres ? 'prisma/postgresql.prisma' : 'prisma/schema.prisma',
  migrations: { path: postgres ? 'prisma/migrations/postgresql' : 'prisma/migrations/sqlite' },
  adapter: async () =>
    postgres
      ? // A short idle timeout lets the CLI exit as soon as it is done instead of after pg's default 10 s.
        new PrismaPg({ connectionString: url, idleTimeoutMillis: 200 })
      : new PrismaBetterSQLite3({ url: url.replace(/^file:/, '') }),
});
