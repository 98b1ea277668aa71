/**
 * kill -9 of the controller mid-run, then `blockqnn resume`: no candidate lost,
 * none repeated, and the same sequence as an uninterrupted run of the same seed.
 */
import { describe, expect, it } from 'vitest';
import {
  candidatesOf,
  eventually,
  expectEachOnce,
  readStore,
  REDIS,
  registry,
  runIdOf,
  startCli,
  startWorker,
  tableSearchArgs,
  tempDb,
  uniquePrefix,
} from './harness.js';

describe('the controller killed mid-run (SQLite, table engine)', () => {
  it('kill -9 of the controller, then resume: nothing lost or repeated, and the same sequence as an uninterrupted run', async () => {
    const dbs = tempDb();
    const prefix = uniquePrefix('killctl');
    const budget = 24;
    const common = { redis: REDIS, prefix, budget, delayMs: 60, maxInFlight: 1, seed: 11 };
    const worker = await startWorker('worker', { redis: REDIS, prefix });

    const interruptedDb = dbs.url('interrupted');
    const search = startCli('search (to be killed)', tableSearchArgs({ ...common, db: interruptedDb }));
    const runId = await runIdOf(search);
    const store = await readStore(interruptedDb);
    await eventually(async () => ((await store.getRun(runId)).resultCount >= 9 ? true : undefined), 30_000, '9 results committed');
    search.kill9();
    await search.exited;
    const atKill = await store.getRun(runId);
    expect(atKill.status).toBe('running');
    expect(atKill.resultCount).toBeLessThan(budget);

    // Meanwhile, the uninterrupted reference run of the same seed and configuration (its own database).
    const referenceDb = dbs.url('reference');
    const reference = startCli('search (reference)', tableSearchArgs({ ...common, db: referenceDb }));
    const referenceId = await runIdOf(reference);
    expect(await reference.done(60_000), reference.output).toBe(0);

    // The dead controller was a process of this host: resume takes the run over at once, without waiting for its heartbeat to go stale.
    const resume = startCli('resume', ['resume', runId, '--workers', '0', '--db', interruptedDb, '--redis', REDIS, '--prefix', prefix]);
    expect(await resume.done(60_000), resume.output).toBe(0);
    expect(resume.stderr).toMatch(
      new RegExp(`run ${runId}: restored snapshot at \\d+ candidates, replayed \\d+ proposal\\(s\\), [01] in flight`),
    );

    const resumed = await candidatesOf(store, runId);
    expectEachOnce(resumed, budget);
    const referenceStore = await readStore(referenceDb);
    const straight = await candidatesOf(referenceStore, referenceId);
    expectEachOnce(straight, budget);
    expect(resumed.map((r) => r.nsc)).toEqual(straight.map((r) => r.nsc));
    expect(resumed.map((r) => r.accuracy)).toEqual(straight.map((r) => r.accuracy));
    expect((await store.getRun(runId)).status).toBe('finished');
    const events = (await store.listEvents(runId)).map((e) => e.kind);
    expect(events.filter((k) => k === 'resumed')).toHaveLength(1);

    // No evaluation was repeated: the one worker slot trained exactly 2 × budget jobs for the two runs.
    const [slot] = await registry(REDIS, prefix);
    expect(slot!.jobsDone).toBe(2 * budget);
    expect(worker.exit).toBeNull();
  }, 90_000);
});
