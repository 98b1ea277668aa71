/**
 * Measurements, reported and not asserted (timings depend on the machine):
 * commitResult throughput on both backends, sequential and with concurrent
 * callers, and candidate-page latency with 100,000 candidates in one run.
 * The assertions only check that the measured calls did their work.
 */
import { cpus } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/index.js';
import { BACKENDS, type TestDatabase } from '../test/store/backends.js';
import { candidate, newRun, okResult } from '../test/store/fixtures.js';

const COMMITS = 500;
const CANDIDATES = 100_000;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;

function report(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title} (${machine})`);
  console.table(rows);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

async function latency(fn: () => Promise<unknown>, times = 25): Promise<{ medianMs: number; p95Ms: number }> {
  const samples: number[] = [];
  await fn(); // warm the statement cache
  for (let i = 0; i < times; i++) samples.push((await timed(fn))[1]);
  samples.sort((a, b) => a - b);
  const pick = (q: number) => Number(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(2));
  return { medianMs: pick(0.5), p95Ms: pick(0.95) };
}

/** Queues `count` candidates in batches of 64 and returns the run id, the hashes and candidates per second. */
async function queueMany(store: Store, count: number): Promise<{ runId: string; hashes: string[]; perSecond: number }> {
  const runId = (await store.createRun(newRun())).id;
  const hashes: string[] = [];
  const [, ms] = await timed(async () => {
    for (let start = 1; start <= count; start += 64) {
      const batch = Array.from({ length: Math.min(64, count - start + 1) }, (_, i) => candidate(start + i));
      for (const r of await store.upsertQueuedCandidates(runId, batch)) hashes.push(r.candidate.hash);
    }
  });
  return { runId, hashes, perSecond: Math.round((count / ms) * 1000) };
}

// A controller snapshot of realistic size: a Q-table slice and the schedule (about 6 KB of JSON).
const snapshot = { q: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`(${i},1,3,0,0)`, i / 200])), epsilon: 0.5 };

/** Results per second: `batch` results per commitResults call, `callers` calls in flight at once. */
async function commitRate(store: Store, batch: number, callers: number): Promise<number> {
  const { runId, hashes } = await queueMany(store, COMMITS);
  let next = 0;
  const [, ms] = await timed(() =>
    Promise.all(
      Array.from({ length: callers }, async () => {
        while (next < hashes.length) {
          const items = hashes.slice(next, next + batch).map((hash, i) => ({ hash, result: okResult(0.5 + ((next + i) % 100) / 1000) }));
          next += items.length;
          const outcomes = await store.commitResults(runId, items, snapshot);
          expect(outcomes.every((o) => o === 'committed')).toBe(true);
        }
      }),
    ),
  );
  expect((await store.getRun(runId)).resultCount).toBe(COMMITS);
  return Math.round((COMMITS / ms) * 1000);
}

describe('store performance (reported, not asserted)', () => {
  it('measures queueing and commit throughput on every backend', async () => {
    const rows: Record<string, string | number>[] = [];
    const configs = [
      ...BACKENDS.map((backend) => ({ backend, label: backend.name, options: {} })),
      { backend: BACKENDS[0]!, label: 'sqlite, synchronous=normal', options: { synchronous: 'normal' as const } },
    ];
    for (const { backend, label, options } of configs) {
      const db = await backend.create();
      const store = await openStore(db.url, options);
      try {
        rows.push({
          backend: label,
          'queued/s (batches of 64)': (await queueMany(store, COMMITS)).perSecond,
          'commitResult/s (1 caller)': await commitRate(store, 1, 1),
          'commitResult/s (8 callers)': await commitRate(store, 1, 8),
          'results/s (commitResults of 50)': await commitRate(store, 50, 1),
        });
      } finally {
        await store.close();
        await db.drop();
      }
    }
    report(`throughput, ${COMMITS} candidates per figure (each commit: result + ~6 KB snapshot + cache row)`, rows);
  }, 300_000);

  for (const backend of BACKENDS) {
    describe(`${CANDIDATES.toLocaleString('en')} candidates on ${backend.name}`, () => {
      let db: TestDatabase;
      let store: Store;
      let runId: string;
      beforeAll(async () => {
        db = await backend.create();
        store = await openStore(db.url);
        runId = (await store.createRun(newRun())).id;
        // Bulk-load with one statement (the same SQL on both): 10% queued, ~2.5% failed, the rest ok.
        await db.sql(
          `INSERT INTO "Candidate" ("runId", "hash", "sequence", "nsc", "flops", "params", "density", "status", "accuracy", "reward", "attempts", "fromCache", "createdAt")
           WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${CANDIDATES})
           SELECT ?, 'h' || n, n, '(1,1,3,0,0)(2,7,0,0,0)', 1000000 + (n * 31) % 9973, 5000 + n % 101, 1.5,
             CASE WHEN n % 10 = 0 THEN 'queued' WHEN n % 40 = 1 THEN 'failed' ELSE 'ok' END,
             CASE WHEN n % 10 = 0 OR n % 40 = 1 THEN NULL ELSE ((n * 7919) % 10007) / 10007.0 END,
             CASE WHEN n % 10 = 0 OR n % 40 = 1 THEN NULL ELSE ((n * 7919) % 10007) / 10007.0 - 0.1 END,
             1, false, CURRENT_TIMESTAMP FROM seq`,
          [runId],
        );
        await db.sql(`UPDATE "Run" SET "candidateCount" = ? WHERE "id" = ?`, [CANDIDATES, runId]);
        if (backend.name === 'postgresql') await db.sql('ANALYZE "Candidate"');
        else await db.sql('ANALYZE');
      }, 120_000);
      afterAll(async () => {
        await store?.close();
        await db?.drop();
      });

      it('measures candidate-page latency', async () => {
        const deep = await store.listCandidates(runId, { sort: 'reward', order: 'desc', limit: 50, offset: 80_000 });
        expect(deep.items).toHaveLength(50);
        expect(deep.total).toBe(CANDIDATES * 0.9 - CANDIDATES / 40);
        const cases: [string, () => Promise<unknown>][] = [
          ['first page, sort reward desc', () => store.listCandidates(runId, { sort: 'reward', order: 'desc', limit: 50 })],
          [
            'page after row 80,000 by cursor, reward desc',
            () => store.listCandidates(runId, { sort: 'reward', order: 'desc', limit: 50, cursor: deep.nextCursor! }),
          ],
          [
            'page at offset 80,000, reward desc',
            () => store.listCandidates(runId, { sort: 'reward', order: 'desc', limit: 50, offset: 80_000 }),
          ],
          ['first page, sort accuracy asc', () => store.listCandidates(runId, { sort: 'accuracy', order: 'asc', limit: 50 })],
          ['first page, sort flops desc', () => store.listCandidates(runId, { sort: 'flops', order: 'desc', limit: 50 })],
          ['newest first (sequence desc)', () => store.listCandidates(runId, { sort: 'sequence', order: 'desc', limit: 50 })],
          ['status=failed, sequence', () => store.listCandidates(runId, { status: 'failed', limit: 50 })],
          ['status=ok, sort reward desc', () => store.listCandidates(runId, { status: 'ok', sort: 'reward', order: 'desc', limit: 50 })],
          ['best 10 by reward', () => store.bestCandidates(runId, { limit: 10 })],
          ['counts by status', () => store.countByStatus(runId)],
        ];
        const rows: Record<string, string | number>[] = [];
        for (const [query, fn] of cases) rows.push({ query, ...(await latency(fn)) });
        report(
          `candidate pages of 50 with ${CANDIDATES.toLocaleString('en')} candidates in one run, ${backend.name} (each includes the total count)`,
          rows,
        );
        expect((await store.countByStatus(runId)).queued).toBe(CANDIDATES / 10);
      });
    });
  }
});
