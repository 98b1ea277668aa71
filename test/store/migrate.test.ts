/**
 * Migrations at store open, on a fresh real database per test: applied once,
 * idempotent, safe under concurrent opens, all-or-nothing, and refusing a
 * database whose history disagrees with the code.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { loadMigrations, migratePostgres, migrateSqlite, type Migration } from '../../src/store/migrate.js';
import { BACKENDS, type TestDatabase } from './backends.js';
import { newRun, rejection } from './fixtures.js';

async function withDatabase(create: () => Promise<TestDatabase>, test: (db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await create();
  try {
    await test(db);
  } finally {
    await db.drop();
  }
}

const history = (db: TestDatabase) =>
  db.sql(`SELECT "migration_name", "checksum", "finished_at", "started_at" FROM "_prisma_migrations" ORDER BY "migration_name"`);

for (const backend of BACKENDS) {
  describe(`migrations on ${backend.name}`, () => {
    const migrations = loadMigrations(backend.name);

    it('has at least the initial migration checked in', () => {
      expect(migrations.length).toBeGreaterThanOrEqual(1);
      expect(migrations[0]?.name).toMatch(/^\d{14}_init$/);
      expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
    });

    it('applies every migration to a fresh database, then nothing on reopen', () =>
      withDatabase(backend.create, async (db) => {
        const store = await openStore(db.url);
        await store.createRun(newRun());
        await store.close();
        const applied = await history(db);
        expect(applied.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
        expect(applied.map((r) => r.checksum)).toEqual(migrations.map((m) => m.checksum));
        expect(applied.every((r) => r.finished_at !== null)).toBe(true);

        const again = await openStore(db.url);
        expect(await again.listRuns()).toHaveLength(1);
        await again.close();
        expect(await history(db)).toEqual(applied);
      }));

    it('applies migrations once when several processes open a fresh database together', () =>
      withDatabase(backend.create, async (db) => {
        const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(db.url)));
        await Promise.all(stores.map((s) => s.createRun(newRun())));
        expect(await stores[0]!.listRuns()).toHaveLength(4);
        await Promise.all(stores.map((s) => s.close()));
        expect((await history(db)).map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
      }));

    it('refuses a database whose applied migration was edited since', () =>
      withDatabase(backend.create, async (db) => {
        await (await openStore(db.url)).close();
        await db.sql(`UPDATE "_prisma_migrations" SET "checksum" = ? WHERE "migration_name" = ?`, ['0'.repeat(64), migrations[0]!.name]);
        const e = await rejection(openStore(db.url), 'INTERNAL');
        expect(e.message).toContain(`migration ${migrations[0]!.name} was changed`);
      }));

    it('refuses a database migrated by a newer version', () =>
      withDatabase(backend.create, async (db) => {
        await (await openStore(db.url)).close();
        await db.sql(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count") VALUES ('x', 'y', CURRENT_TIMESTAMP, '99990101000000_future', CURRENT_TIMESTAMP, 1)`,
        );
        const e = await rejection(openStore(db.url), 'INVALID_CONFIG');
        expect(e.message).toContain('99990101000000_future');
        expect(e.hint).toContain('upgrade blockqnn');
      }));

    it('leaves the database untouched when a migration fails', () =>
      withDatabase(backend.create, async (db) => {
        const good: Migration = { name: '20000101000000_good', sql: 'CREATE TABLE "Good" ("id" INTEGER PRIMARY KEY);', checksum: 'a' };
        const bad: Migration = {
          name: '20000102000000_bad',
          sql: 'CREATE TABLE "Bad" ("id" INTEGER PRIMARY KEY);\nTHIS IS NOT SQL;',
          checksum: 'b',
        };
        if (backend.name === 'sqlite') {
          const raw = new Database(db.url.replace(/^file:/, ''));
          try {
            expect(() => migrateSqlite(raw, [good, bad])).toThrow(/syntax error/);
            expect(raw.prepare(`SELECT name FROM sqlite_master WHERE name IN ('Good', 'Bad', '_prisma_migrations')`).all()).toEqual([]);
            expect(migrateSqlite(raw, [good])).toEqual([good.name]);
          } finally {
            raw.close();
          }
        } else {
          const raw = new pg.Client({ connectionString: db.url });
          await raw.connect();
          try {
            await expect(migratePostgres(raw, [good, bad])).rejects.toThrow(/syntax error/);
            const tables = await raw.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
            expect(tables.rows).toEqual([]);
            expect(await migratePostgres(raw, [good])).toEqual([good.name]);
          } finally {
            await raw.end();
          }
        }
      }));
  });
}
