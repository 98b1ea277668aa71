/**
 * The whole system through the built CLI: `blockqnn search --workers 0` as the
 * controller, two `blockqnn worker` processes on real Redis, the run in a real
 * SQLite file and a real PostgreSQL database; then `status --json` and
 * `runs --json` read it back.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { postgresBackend, sqliteBackend } from '../store/backends.js';
import { deletePrefix } from '../helpers/redis.js';
import {
  BIN,
  candidatesOf,
  cliJson,
  keysUnder,
  onCleanup,
  readStore,
  REDIS,
  runIdOf,
  start,
  startCli,
  startWorker,
  tableSearchArgs,
} from './harness.js';

const BUDGET = 36;

interface StatusReport {
  run: { id: string; status: string; candidateCount: number; resultCount: number; engine: string };
  counts: Record<string, number>;
  best: { hash: string; nsc: string; accuracy: number; reward: number } | null;
}

describe.each([sqliteBackend, postgresBackend])('blockqnn search with two worker processes on $name', (backend) => {
  it(`accounts for each of ${BUDGET} candidates exactly once, and status/runs report them`, async () => {
    const db = await backend.create();
    const prefix = `bqe2e-search-${randomBytes(4).toString('hex')}`;
    onCleanup(() => db.drop());
    onCleanup(() => deletePrefix({ url: REDIS, prefix }));

    const workers = await Promise.all([
      startWorker('worker A', { redis: REDIS, prefix }),
      startWorker('worker B', { redis: REDIS, prefix }),
    ]);
    const search = startCli('search', [
      ...tableSearchArgs({ db: db.url, redis: REDIS, prefix, budget: BUDGET, delayMs: 40, maxInFlight: 6 }),
      '--json',
    ]);
    const runId = await runIdOf(search);
    expect(await search.done(60_000), search.output).toBe(0);
    const summary = JSON.parse(search.stdout) as StatusReport;
    expect(summary.run).toMatchObject({ id: runId, status: 'finished', candidateCount: BUDGET, resultCount: BUDGET });

    // The database: one row per candidate, distinct, sequences 1..N, each with one result from a worker.
    const store = await readStore(db.url);
    const rows = await candidatesOf(store, runId);
    expect(rows).toHaveLength(BUDGET);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(BUDGET);
    expect(new Set(rows.map((r) => r.nsc)).size).toBe(BUDGET);
    expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: BUDGET }, (_, i) => i + 1));
    for (const r of rows) {
      expect(r.status).toBe('ok');
      expect(r.accuracy).toBeGreaterThan(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
      expect(r.workerId).toMatch(/:\d+:cpu0$/);
    }
    // Both worker processes took jobs: their slot pids differ.
    expect(new Set(rows.map((r) => r.workerId)).size).toBe(2);
    const snapshot = await store.latestSnapshot(runId);
    expect(snapshot!.resultCount).toBe(BUDGET);

    // `blockqnn status <run> --json`: counts by status and the best candidate.
    const status = await cliJson<StatusReport>(['status', runId, '--db', db.url]);
    expect(status.run).toMatchObject({ id: runId, status: 'finished', resultCount: BUDGET, engine: 'table' });
    expect(status.counts).toEqual({ queued: 0, running: 0, ok: BUDGET, diverged: 0, too_large: 0, failed: 0, pruned: 0, cancelled: 0 });
    const bestReward = Math.max(...rows.map((r) => r.reward!));
    expect(status.best!.reward).toBe(bestReward);
    expect(rows.find((r) => r.hash === status.best!.hash)!.reward).toBe(bestReward);

    // `blockqnn runs --json` lists it.
    const runs = await cliJson<{ id: string; status: string; results: number; candidates: number }[]>(['runs', '--db', db.url]);
    expect(runs.find((r) => r.id === runId)).toMatchObject({ status: 'finished', results: BUDGET, candidates: BUDGET });

    // Committed results are removed from Redis: nothing of the run is left queued or kept.
    const jobKeys = (await keysUnder(REDIS, prefix)).filter((k) => k.includes(runId));
    expect(jobKeys).toEqual([]);
    for (const w of workers) expect(w.exit).toBeNull();
  });
});

describe('blockqnn search on real data (MNIST, pure-JS tfjs) with two worker processes', () => {
  it('trains each candidate of a tiny proxy search once and records its curve', async () => {
    const db = await sqliteBackend.create();
    const prefix = `bqe2e-mnist-${randomBytes(4).toString('hex')}`;
    onCleanup(() => db.drop());
    onCleanup(() => deletePrefix({ url: REDIS, prefix }));
    const budget = 6;
    const workers = ['A', 'B'].map((n) =>
      start(`tfjs worker ${n}`, process.execPath, [
        BIN,
        'worker',
        '--engine',
        'tfjs',
        '--cpu-slots',
        '1',
        '--redis',
        REDIS,
        '--prefix',
        prefix,
      ]),
    );
    await Promise.all(workers.map((w) => w.waitFor(/slot cpu0 ready/, 60_000)));
    const search = startCli('search', [
      'search',
      '--engine',
      'tfjs',
      '--dataset',
      'mnist',
      '--subset',
      '200',
      '--validation-size',
      '100',
      '--image-size',
      '8',
      '--epochs',
      '1',
      '--batch-size',
      '16',
      '--blocks',
      '1',
      '--base-filters',
      '4',
      '--stages',
      '2',
      '--max-index',
      '6',
      '--budget',
      String(budget),
      '--max-in-flight',
      '2',
      '--seed',
      '3',
      '--workers',
      '0',
      '--db',
      db.url,
      '--redis',
      REDIS,
      '--prefix',
      prefix,
      '--json',
    ]);
    const runId = await runIdOf(search);
    expect(await search.done(120_000), search.output).toBe(0);
    const store = await readStore(db.url);
    const rows = await candidatesOf(store, runId);
    expect(rows).toHaveLength(budget);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(budget);
    // Every candidate has its one result. A candidate the engine cannot train fails after its 3 attempts and is recorded so.
    expect(rows.filter((r) => r.status === 'ok').length).toBeGreaterThanOrEqual(budget / 2);
    for (const r of rows.filter((row) => row.status !== 'ok')) {
      expect(r.status).toBe('failed');
      expect(r.attempts).toBe(3);
      expect((await store.getCandidate(runId, r.hash))!.error).toBeTruthy();
    }
    for (const r of rows.filter((row) => row.status === 'ok')) {
      const detail = await store.getCandidate(runId, r.hash);
      expect(detail!.accuracy).toBeGreaterThanOrEqual(0);
      expect(detail!.accuracy).toBeLessThanOrEqual(1);
      expect(detail!.curve).toHaveLength(1); // one early-stop epoch, with its validation accuracy
      expect(detail!.curve![0]!.valAccuracy).toBe(detail!.accuracy);
      expect(detail!.trainSeconds).toBeGreaterThan(0);
      expect(detail!.engine).toBe('tfjs');
    }
    // Both processes trained (a candidate that failed every attempt has no worker on record).
    expect(new Set(rows.map((r) => r.workerId).filter((id) => id !== null)).size).toBe(2);
    for (const w of workers) expect(w.exit).toBeNull(); // still serving
  }, 150_000);
});
