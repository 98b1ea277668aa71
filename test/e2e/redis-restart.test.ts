/**
 * Redis restarted with its data gone under a live controller: the controller
 * notices (it re-checks in-flight jobs against Redis) and re-enqueues them from
 * its state, and every candidate is recorded exactly once.
 */
import { describe, expect, it } from 'vitest';
import {
  candidatesOf,
  eventually,
  expectEachOnce,
  readStore,
  runIdOf,
  startCli,
  startRedis,
  startWorker,
  tableSearchArgs,
  tempDb,
  uniquePrefix,
} from './harness.js';

describe('Redis restarted empty mid-run (private redis-server, SQLite, table engine)', () => {
  it('Redis restarted with its data gone mid-run: in-flight jobs are re-enqueued from the database and every candidate is recorded once', async () => {
    const db = tempDb().url('redis-restart');
    let redis = await startRedis();
    const prefix = uniquePrefix('redisloss', false);
    const budget = 30;
    const maxInFlight = 4;
    await startWorker('worker', { redis: redis.url, prefix, slots: 2 });
    const search = startCli('search', tableSearchArgs({ db, redis: redis.url, prefix, budget, delayMs: 250, maxInFlight }));
    const runId = await runIdOf(search);
    const store = await readStore(db);
    await eventually(async () => ((await store.getRun(runId)).resultCount >= 8 ? true : undefined), 30_000, '8 results committed');

    redis.proc.kill9();
    await redis.proc.exited;
    redis = await startRedis({ port: redis.port }); // same address, empty
    const lostAt = Date.now();

    expect(await search.done(60_000), search.output).toBe(0);
    expect(search.stderr).toMatch(new RegExp(`run ${runId}: re-enqueued [1-${maxInFlight}] job\\(s\\) missing from Redis`));
    const rows = await candidatesOf(store, runId);
    expectEachOnce(rows, budget);
    const run = await store.getRun(runId);
    expect(run.status).toBe('finished');
    expect(run.resultCount).toBe(budget);
    expect((await store.listEvents(runId)).map((e) => e.kind)).toContain('requeued');
    // Live recovery, not a timeout-and-resume: the run carried on within a few seconds of the loss.
    expect(Date.now() - lostAt).toBeLessThan(30_000);
  }, 90_000);
});
