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
import { candidatesOf, cliJson, keysUnder, onCleanup, readStore, runIdOf, startCli, startWorker, tableSearchArgs } from './harness.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
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

    const workers = await Promise.all([startWorker('worker A', { redis: REDIS, prefix }), startWorker('worker B', { redis: REDIS, prefix })]);
    const search = startCli('search', [...tableSearchArgs({ db: db.url, redis: REDIS, prefix, budget: BUDGET, delayMs: 40, maxInFlight: 6 }), '--json']);
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
    expect(status.counts).toEqual({ queued: 0, running: 0, ok: BUDGET, diverged: 0, too_large: 0, failed: 0, cancelled: 0 });
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
