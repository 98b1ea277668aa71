/**
 * kill -9 of a worker process mid-job, found through the worker registry: the
 * stalled job is retried by another worker and recorded exactly once.
 */
import { describe, expect, it } from 'vitest';
import { slotStartingJob } from '../../src/bench/reliability/run-helpers.js';
import {
  candidatesOf,
  eventually,
  expectEachOnce,
  parentOf,
  readStore,
  REDIS,
  runIdOf,
  running,
  startCli,
  startWorker,
  tableSearchArgs,
  tempDb,
  uniquePrefix,
} from './harness.js';

describe('a worker killed mid-job (SQLite, table engine)', () => {
  it('kill -9 of a worker mid-job: another worker retries the job and it is recorded once', async () => {
    const db = tempDb().url('kill-worker');
    const prefix = uniquePrefix('killworker');
    const budget = 6;
    const [a, b] = await Promise.all([
      startWorker('worker A', { redis: REDIS, prefix, lockSeconds: 1 }),
      startWorker('worker B', { redis: REDIS, prefix, lockSeconds: 1 }),
    ]);
    const search = startCli('search', tableSearchArgs({ db, redis: REDIS, prefix, budget, delayMs: 2000, maxInFlight: 2 }));
    const runId = await runIdOf(search);

    // A slot of worker A seen starting a job (through the worker registry's pid), so the kill lands inside it.
    const busy = await slotStartingJob(REDIS, prefix, runId, a!.pid);
    const victim = busy.currentJob!.candidateHash;
    a!.killGroup(); // kill -9 of worker A's supervisor and its slot: the host is gone mid-training
    await a!.exited;
    // The slot process dies with the group, a moment after its supervisor is reaped.
    await eventually(async () => (running(busy.pid) ? undefined : true), 5_000, "worker A's slot process dead too");

    expect(await search.done(60_000), search.output).toBe(0);
    const store = await readStore(db);
    const rows = await candidatesOf(store, runId);
    expectEachOnce(rows, budget);
    const retried = rows.find((r) => r.hash === victim)!;
    expect(retried.status).toBe('ok');
    // Finished by worker B, not by the slot that died with the job.
    expect(retried.workerId).not.toBe(busy.id);
    expect(parentOf(Number(retried.workerId!.split(':')[1]))).toBe(b!.pid);
    expect((await store.getRun(runId)).resultCount).toBe(budget);
  });
});
