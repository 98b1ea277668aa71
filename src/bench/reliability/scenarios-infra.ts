/**
 * Fault scenarios on the controller's side and its infrastructure: the
 * controller killed inside a result commit, Redis restarted empty, Redis down
 * for a while, PostgreSQL restarted, the SQLite volume full. Each ends with the
 * run finished (resumed where the controller had to stop), counted, and, where
 * the controller stopped, compared with an uninterrupted run of the same seed.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { COMMIT_DELAY_ENV } from '../../store/index.js';
import { type Lab, eventually, sleep } from './lab.js';
import {
  type ScenarioOptions,
  type ScenarioReport,
  type SearchSpec,
  committedMoreThan,
  finishReport,
  openRead,
  recoveryAfter,
  resumeArgs,
  runIdOf,
  scenarioPrefix,
  searchArgs,
  startWorker,
  trainingsOf,
  uninterrupted,
} from './run-helpers.js';

/** kill -9 of the controller while a result commit is open (held by the store's test hook): nothing half-written, resume exact. */
export async function controllerKillCommit(lab: Lab, o: ScenarioOptions): Promise<ScenarioReport> {
  const dir = lab.tempDir('ctl-commit');
  const prefix = scenarioPrefix(lab, o.redisUrl, 'ctlcommit');
  const budget = o.quick ? 8 : 16;
  const spec: SearchSpec = { db: `file:${join(dir, 'run.db')}`, redis: o.redisUrl, prefix, budget, delayMs: 50, maxInFlight: 1, seed: 11 };
  await startWorker(lab, 'worker', { redis: o.redisUrl, prefix, slots: 2 });
  const reference = uninterrupted(lab, o, { ...spec, db: `file:${join(dir, 'reference.db')}` });
  const search = lab.cli('search (to be killed in a commit)', searchArgs(o, spec), { [COMMIT_DELAY_ENV]: '1500' });
  const runId = await runIdOf(search);
  // While its controller lives, resume refuses to take the run over (checked inside the slowed-down commits).
  await search.waitFor(/holding a commit/, 60_000);
  const refused = lab.cli('resume (while the controller lives)', resumeArgs(runId, spec));
  const refusedCode = await refused.done(30_000);
  const killAt = 3;
  await search.waitFor(new RegExp(`(holding a commit[^\\n]*\\n[\\s\\S]*){${killAt}}`), 60_000);
  search.kill9();
  await search.exited;
  // The commit it died in: a loaded host may kill it a commit later than the one waited for.
  const commitsStarted = search.count(/holding a commit/);
  const store = await openRead(lab, spec.db);
  const atKill = await store.getRun(runId);
  const resumedAt = Date.now();
  const resume = lab.cli('resume', resumeArgs(runId, spec));
  const recovery = await recoveryAfter(store, runId, atKill.resultCount, resumedAt);
  const code = await resume.done(90_000);
  const proposals = await reference;
  return finishReport(store, {
    scenario: 'controller-kill-commit',
    runId,
    db: spec.db,
    budget,
    trainings: await trainingsOf(o.redisUrl, prefix),
    intendedExtraTrainings: budget,
    recoverySeconds: recovery,
    reference: proposals,
    note: `kill -9 of the controller inside its commit #${killAt} (held open by ${COMMIT_DELAY_ENV}), then resume; recover = resume started to next result`,
    facts: {
      resumeWhileAliveExit: refusedCode,
      resumeWhileAliveLog: refused.stderr,
      controllerPid: search.pid,
      resumeExit: code,
      resultsAtKill: atKill.resultCount,
      statusAtKill: atKill.status,
      commitsStarted,
      resumeLog: resume.stderr,
    },
  });
}

/** Redis killed and restarted empty on the same port under a live controller and worker. */
export async function redisRestartEmpty(lab: Lab, o: ScenarioOptions): Promise<ScenarioReport> {
  const db = `file:${join(lab.tempDir('redis-empty'), 'run.db')}`;
  let redis = await lab.redis();
  const prefix = 'bqfault-empty';
  const budget = o.quick ? 12 : 24;
  await startWorker(lab, 'worker', { redis: redis.url, prefix, slots: 2 });
  const search = lab.cli('search', searchArgs(o, { db, redis: redis.url, prefix, budget, delayMs: 200, maxInFlight: 4 }));
  const runId = await runIdOf(search);
  const store = await openRead(lab, db);
  await committedMoreThan(store, runId, 3);
  redis.proc.kill9();
  await redis.proc.exited;
  redis = await lab.redis({ port: redis.port });
  const backAt = Date.now();
  const count = (await store.getRun(runId)).resultCount;
  const recovery = await recoveryAfter(store, runId, count, backAt);
  const code = await search.done(90_000);
  return finishReport(store, {
    scenario: 'redis-restart-empty',
    runId,
    db,
    budget,
    trainings: await trainingsOf(redis.url, prefix),
    recoverySeconds: recovery,
    note: 'Redis kill -9 and restarted empty on the same port; recover = Redis back to next result; retrained = jobs whose delivery died with Redis',
    facts: { exitCode: code, requeued: /re-enqueued \d+ job\(s\) missing from Redis/.test(search.stderr) },
  });
}

/**
 * Redis down for `redisDownSeconds` (shut down cleanly, data on disk, so it comes
 * back with its jobs, as after a network cut or a server restart), then back.
 * A worker told to stop (SIGTERM) during the outage must still exit.
 */
export async function redisDown(lab: Lab, o: ScenarioOptions): Promise<ScenarioReport> {
  const dir = lab.tempDir('redis-down');
  const db = `file:${join(dir, 'run.db')}`;
  let redis = await lab.redis({ dir });
  const prefix = 'bqfault-down';
  const budget = o.quick ? 12 : 24;
  await startWorker(lab, 'worker', { redis: redis.url, prefix, slots: 2 });
  // Its job is abandoned when it stops during the outage: a short lock lets another worker take it soon after Redis is back.
  const leaver = await startWorker(lab, 'worker (stopped during the outage)', { redis: redis.url, prefix, lockSeconds: 3 });
  const search = lab.cli('search', searchArgs(o, { db, redis: redis.url, prefix, budget, delayMs: 200, maxInFlight: 3 }));
  const runId = await runIdOf(search);
  const store = await openRead(lab, db);
  await committedMoreThan(store, runId, 3);
  process.kill(redis.proc.pid, 'SIGTERM');
  await redis.proc.exited;
  const downAt = Date.now();
  await sleep(1000);
  leaver.child.kill('SIGTERM');
  const leaverExit = await Promise.race([leaver.exited.then(() => (Date.now() - downAt) / 1000 - 1), sleep(10_000).then(() => null)]);
  await sleep(Math.max(0, downAt + o.redisDownSeconds * 1000 - Date.now()));
  const during = await store.getRun(runId);
  const heartbeatAge = during.heartbeatAt ? (Date.now() - during.heartbeatAt.getTime()) / 1000 : null;
  const controllerAlive = search.exit === null;
  redis = await lab.redis({ port: redis.port, dir });
  const backAt = Date.now();
  const recovery = await recoveryAfter(store, runId, during.resultCount, backAt);
  const code = await search.done(120_000);
  return finishReport(store, {
    scenario: 'redis-down',
    runId,
    db,
    budget,
    trainings: await trainingsOf(redis.url, prefix),
    recoverySeconds: recovery,
    note: `Redis shut down for ${o.redisDownSeconds} s (data kept), then back; recover = Redis back to next result`,
    facts: {
      exitCode: code,
      controllerAlive,
      statusDuringOutage: during.status,
      heartbeatAgeSecondsDuringOutage: heartbeatAge,
      workerStopSecondsDuringOutage: leaverExit,
      controllerLog: search.stderr
        .split('\n')
        .filter((l) => /redis/i.test(l))
        .slice(0, 5),
    },
  });
}

/** The run's PostgreSQL (a private cluster) restarted mid-run. */
export async function postgresRestart(lab: Lab, o: ScenarioOptions): Promise<ScenarioReport> {
  const cluster = await lab.postgres();
  cluster.createDatabase('faults');
  const prefix = scenarioPrefix(lab, o.redisUrl, 'pg');
  const budget = o.quick ? 8 : 16;
  const spec: SearchSpec = { db: cluster.url('faults'), redis: o.redisUrl, prefix, budget, delayMs: 150, maxInFlight: 1, seed: 5 };
  await startWorker(lab, 'worker', { redis: o.redisUrl, prefix, slots: 2 });
  // The reference runs on SQLite: what a run proposes does not depend on the database, and it must not see the outage.
  const reference = uninterrupted(lab, o, { ...spec, db: `file:${join(lab.tempDir('pg-reference'), 'reference.db')}` });
  const search = lab.cli('search', searchArgs(o, spec));
  const runId = await runIdOf(search);
  const store = await openRead(lab, spec.db);
  await committedMoreThan(store, runId, 2);
  cluster.stop();
  const stoppedAt = Date.now();
  await sleep(2000);
  cluster.start();
  const backAt = Date.now();
  // Recovered when the run commits past what it had; if the controller gave up on the database meanwhile, resume takes over.
  let count: number | undefined;
  let resume: ReturnType<Lab['cli']> | undefined;
  const recovery = await eventually(
    async () => {
      try {
        const n = (await store.getRun(runId)).resultCount;
        count ??= n;
        if (n > count) return (Date.now() - backAt) / 1000;
      } catch {
        return undefined; // still starting
      }
      if (search.exit && search.exit.code !== 0 && !resume) resume = lab.cli('resume', resumeArgs(runId, spec));
      return undefined;
    },
    90_000,
    'a result after PostgreSQL came back',
  ).catch((error: Error) => {
    throw new Error(`${error.message}\ncontroller:\n${search.output.slice(-3000)}\nresume:\n${resume?.output.slice(-3000) ?? '(none)'}`);
  });
  const code = await (resume ?? search).done(90_000);
  const proposals = await reference;
  return finishReport(store, {
    scenario: 'postgres-restart',
    runId,
    db: spec.db,
    budget,
    trainings: await trainingsOf(o.redisUrl, prefix),
    intendedExtraTrainings: budget,
    recoverySeconds: recovery,
    reference: proposals,
    note: 'private PostgreSQL cluster stopped (fast) for 2 s mid-run, then started; recover = PostgreSQL back to next result',
    facts: {
      finalExit: code,
      controllerExit: search.exit?.code ?? null,
      resumed: resume !== undefined,
      searchLog: search.stderr.slice(-1500),
      resumeLog: resume?.stderr ?? '',
      outageSeconds: (backAt - stoppedAt) / 1000,
    },
  });
}

/** The SQLite file's volume (a 2 MB tmpfs) filled mid-run: the run pauses saying the disk is full; after space is freed, resume finishes it exactly. */
export async function diskFull(lab: Lab, o: ScenarioOptions): Promise<ScenarioReport> {
  const dir = lab.tempDir('disk-full');
  const volume = join(dir, 'volume');
  execFileSync('mkdir', [volume]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', volume]);
  lab.onCleanup(() => void execFileSync('umount', ['-l', volume]));
  const prefix = scenarioPrefix(lab, o.redisUrl, 'disk');
  const budget = o.quick ? 8 : 16;
  const spec: SearchSpec = {
    db: `file:${join(volume, 'run.db')}`,
    redis: o.redisUrl,
    prefix,
    budget,
    delayMs: 50,
    maxInFlight: 1,
    seed: 3,
  };
  await startWorker(lab, 'worker', { redis: o.redisUrl, prefix, slots: 2 });
  const reference = uninterrupted(lab, o, { ...spec, db: `file:${join(dir, 'reference.db')}` });
  const search = lab.cli('search', searchArgs(o, spec));
  const runId = await runIdOf(search);
  const store = await openRead(lab, spec.db);
  await committedMoreThan(store, runId, 2);
  const filler = join(volume, 'filler');
  fillVolume(filler);
  const searchExit = await search.done(60_000);
  const stopped = { status: (await store.getRun(runId)).status, results: (await store.getRun(runId)).resultCount };
  rmSync(filler);
  const resumedAt = Date.now();
  const resume = lab.cli('resume', resumeArgs(runId, spec));
  const recovery = await recoveryAfter(store, runId, stopped.results, resumedAt);
  const code = await resume.done(90_000);
  const proposals = await reference;
  return finishReport(store, {
    scenario: 'disk-full',
    runId,
    db: spec.db,
    budget,
    trainings: await trainingsOf(o.redisUrl, prefix),
    intendedExtraTrainings: budget,
    recoverySeconds: recovery,
    reference: proposals,
    note: 'the SQLite volume (2 MB tmpfs) filled mid-run, freed, then resume; recover = resume started to next result',
    facts: {
      searchExit,
      searchLog: search.stderr
        .split('\n')
        .filter((l) => /disk|full|paused/i.test(l))
        .slice(0, 6),
      statusWhenFull: stopped.status,
      resultsWhenFull: stopped.results,
      resumeExit: code,
    },
  });
}

/** Writes zeros to `path` until the volume has no space left. */
function fillVolume(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // The last partial blocks, byte-sized.
  const small = openSync(path, 'a');
  try {
    for (;;) writeSync(small, Buffer.alloc(512));
  } catch {
    // full
  } finally {
    closeSync(small);
  }
}
