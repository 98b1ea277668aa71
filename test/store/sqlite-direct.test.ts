/**
 * The SQLite write paths run on better-sqlite3 directly (sqlite-direct.ts), the
 * reads on Prisma: rows written the direct way must hold exactly what Prisma's
 * adapter would have written, or reads, cursors and the dashboard would differ.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteClient } from '../../src/store/db.js';
import { openStore } from '../../src/store/index.js';
import { PrismaStore } from '../../src/store/prisma-store.js';
import { DirectSqlite } from '../../src/store/sqlite-direct.js';
import type { Store } from '../../src/store/store.js';
import { parseDatabaseUrl } from '../../src/store/url.js';
import { type TestDatabase, sqliteBackend } from './backends.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function database(): Promise<TestDatabase> {
  const db = await sqliteBackend.create();
  cleanups.push(() => db.drop());
  // Creates the schema; the stores below open the migrated file.
  await (await openStore(db.url)).close();
  return db;
}

/** The same writes on a store: a run, two candidates, one result with an awkward float, a cached flag and a timestamp. */
async function writeAll(store: Store): Promise<string> {
  const run = await store.createRun({ name: 'values', strategy: 'random', engine: 'table', taskKey: 'k', seed: 3, config: {} });
  await store.upsertQueuedCandidates(run.id, [
    { hash: 'a'.repeat(16), nsc: '(1,1,3,0,0)', flops: 1.5e6, params: 1234, density: 0.1 + 0.2 },
    { hash: 'b'.repeat(16), nsc: '(1,1,1,0,0)', flops: 2e6, params: 99, density: 0.25 },
  ]);
  await store.commitResults(
    run.id,
    [
      {
        hash: 'a'.repeat(16),
        result: {
          status: 'ok',
          accuracy: 0.45000000000000007,
          reward: 0.1 + 0.2,
          curve: [{ epoch: 1, loss: 0.5, trainAccuracy: 0.7, valAccuracy: 0.45 }],
          trainSeconds: 1.25,
          evalSeconds: 0.5,
          workerId: 'h:1:cpu0',
          engine: 'table',
          attempts: 1,
          error: null,
          finishedAt: new Date('2026-11-27T01:02:03.456Z'),
          fromCache: true,
          metrics: { fitness: 45.000000000000007 },
        },
      },
    ],
    { format: 'test', n: 1 },
  );
  await store.commitResults(
    run.id,
    [{ hash: 'b'.repeat(16), result: { status: 'ok', accuracy: 0.2, reward: 0.2, finishedAt: new Date('2026-11-27T01:02:04Z') } }],
    { format: 'test', n: 2 },
  );
  return run.id;
}

function rawRows(path: string, runId: string): Record<string, unknown>[] {
  const raw = new Database(path, { readonly: true });
  try {
    const rows = raw.prepare('SELECT * FROM "Candidate" WHERE "runId" = ? ORDER BY "sequence"').all(runId) as Record<string, unknown>[];
    return rows.map(({ id: _id, runId: _run, createdAt, ...rest }) => ({ ...rest, createdAt: typeof createdAt }));
  } finally {
    raw.close();
  }
}

describe('direct SQLite writes', () => {
  it('store the same column values as writes through Prisma, and read back the same records', async () => {
    const db = await database();
    const target = parseDatabaseUrl(db.url);
    if (target.provider !== 'sqlite') throw new Error('expected SQLite');

    const direct = await openStore(db.url);
    const viaPrisma = new PrismaStore(createSqliteClient({ path: target.path, busyTimeoutMs: 5000 }), target, { keepSnapshots: 2 });
    try {
      const directRun = await writeAll(direct);
      const prismaRun = await writeAll(viaPrisma);
      expect(rawRows(target.path, directRun)).toEqual(rawRows(target.path, prismaRun));
      const strip = (c: { id: number; runId: string; createdAt: Date }) => ({
        ...c,
        id: 0,
        runId: '',
        createdAt: c.createdAt instanceof Date,
      });
      const read = async (runId: string) => (await direct.listCandidates(runId, { sort: 'reward', order: 'desc' })).items.map(strip);
      expect(await read(directRun)).toEqual(await read(prismaRun));
      // A cursor built from a row written the direct way finds that row's successor (the float rounding agrees).
      const first = await direct.listCandidates(directRun, { sort: 'reward', order: 'desc', limit: 1 });
      const rest = await direct.listCandidates(directRun, { sort: 'reward', order: 'desc', cursor: first.nextCursor! });
      expect(rest.items.map((c) => c.hash)).toEqual(['b'.repeat(16)]);
    } finally {
      await direct.close();
      await viaPrisma.close();
    }
  });

  it('rolls a failed transaction back and stays usable; refuses a transaction inside another', async () => {
    const db = await database();
    const target = parseDatabaseUrl(db.url);
    if (target.provider !== 'sqlite') throw new Error('expected SQLite');
    const direct = new DirectSqlite(target.path, { busyTimeoutMs: 1000, synchronous: 'full' });
    cleanups.push(async () => direct.close());
    const insert = (q: Pick<DirectSqlite, 'run'>, kind: string) =>
      q.run`INSERT INTO "Event" ("runId", "kind", "payload") VALUES (${'no-such-run'}, ${kind}, ${'{}'})`;

    // The second statement breaks the foreign key: the first one's run must not survive.
    await expect(
      direct.transaction(async (q) => {
        await q.run`INSERT INTO "Run" ("id", "name", "strategy", "engine", "taskKey", "seed", "config", "updatedAt") VALUES (${'r1'}, ${'x'}, ${'random'}, ${'table'}, ${'k'}, ${1}, ${'{}'}, ${new Date()})`;
        await insert(q, 'first');
      }),
    ).rejects.toThrow(/FOREIGN KEY/);
    expect(await direct.rows`SELECT COUNT(*) AS "n" FROM "Run"`).toEqual([{ n: 0 }]);
    await expect(direct.transaction(() => direct.transaction(async () => 1))).rejects.toThrow(/inside another/);
    expect(await direct.transaction(async (q) => (await q.rows<{ one: number }>`SELECT ${1} AS "one"`)[0]!.one)).toBe(1);
  });
});
