/**
 * Faults with real processes: a worker killed with -9 while it trains, the
 * controller killed with -9 and resumed, and Redis restarted with its data
 * gone. Each run must end with every candidate recorded exactly once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { WorkerState } from '../../src/queue/worker-registry.js';
import { deletePrefix } from '../helpers/redis.js';
import { candidatesOf, cli, eventually, onCleanup, readStore, runIdOf, startCli, startRedis, startWorker, tableSearchArgs } from './harness.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function tempDb(): { url: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-e2e-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return { url: (name) => `file:${join(dir, `${name}.db`)}` };
}

/** A key prefix of the test's own on the shared Redis, deleted afterwards (a private redis-server dies with the test). */
function uniquePrefix(label: string, shared = true): string {
  const prefix = `bqe2e-${label}-${randomBytes(4).toString('hex')}`;
  if (shared) onCleanup(() => deletePrefix({ url: REDIS, prefix }));
  return prefix;
}

async function registry(url: string, prefix: string): Promise<WorkerState[]> {
  const client = new Redis(url);
  try {
    return Object.values(await client.hgetall(`${prefix}:workers`)).map((json) => JSON.parse(json) as WorkerState);
  } finally {
    client.disconnect();
  }
}

/** Whether a process runs (a killed one may linger as a zombie until it is reaped). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Parent pid of a process, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function expectEachOnce(rows: { sequence: number; hash: string; status: string }[], budget: number): void {
  expect(rows).toHaveLength(budget);
  expect(new Set(rows.map((r) => r.hash)).size).toBe(budget);
  expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: budget }, (_, i) => i + 1));
  expect(rows.filter((r) => r.status !== 'ok')).toEqual([]);
}

describe('faults with real processes (SQLite, table engine)', () => {
  it('kill -9 of a worker mid-job: another worker retries the job and it is recorded once', async () => {
    const db = tempDb().url('kill-worker');
    const prefix = uniquePrefix('killworker');
    const budget = 6;
    const [a, b] = await Promise.all([
      startWorker('worker A', { redis: REDIS, prefix, lockSeconds: 1 }),
      startWorker('worker B', { redis: REDIS, prefix, lockSeconds: 1 }),
    ]);
    const search = startCli('search', tableSearchArgs({ db, redis: REDIS, prefix, budget, delayMs: 1200, maxInFlight: 2 }));
    const runId = await runIdOf(search);

    // The slot of worker A that is training right now, found through the worker registry's pid.
    const busy = await eventually(async () => (await registry(REDIS, prefix)).find((w) => w.currentJob?.runId === runId && parentOf(w.pid) === a!.pid), 20_000, 'worker A busy with a job');
    const victim = busy.currentJob!.candidateHash;
    a!.killGroup(); // kill -9 of worker A's supervisor and its slot: the host is gone mid-training
    await a!.exited;
    expect(running(busy.pid)).toBe(false); // the slot process is dead too

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
    const killedAt = Date.now();
    await search.exited;
    const atKill = await store.getRun(runId);
    expect(atKill.status).toBe('running');
    expect(atKill.resultCount).toBeLessThan(budget);

    // Right after the crash the run still looks alive: resume refuses with a clear message.
    const early = await cli(['resume', runId, '--workers', '0', '--db', interruptedDb, '--redis', REDIS, '--prefix', prefix]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(new RegExp(`run ${runId} is running under controller .*:${search.pid}`));
    expect(early.stderr).toMatch(/wait 15 s after its controller died/);

    // Meanwhile, the uninterrupted reference run of the same seed and configuration (its own database).
    const referenceDb = dbs.url('reference');
    const reference = startCli('search (reference)', tableSearchArgs({ ...common, db: referenceDb }));
    const referenceId = await runIdOf(reference);
    expect(await reference.done(60_000), reference.output).toBe(0);

    // Once the controller's heartbeat is stale, resume takes the run over.
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 15_500 - Date.now())));
    const resume = startCli('resume', ['resume', runId, '--workers', '0', '--db', interruptedDb, '--redis', REDIS, '--prefix', prefix]);
    expect(await resume.done(60_000), resume.output).toBe(0);
    expect(resume.stderr).toMatch(new RegExp(`run ${runId}: restored snapshot at \\d+ candidates, replayed \\d+ proposal\\(s\\), [01] in flight`));

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

