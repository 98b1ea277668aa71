/**
 * The search loop end to end on real Redis and real databases: NAS-Bench-201
 * candidates through BullMQ to table-engine workers, results committed with
 * the controller state; stop/resume and a Redis that lost its jobs.
 */
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TableEngine } from '../../src/engines/table/index.js';
import type { SearchConfigInput } from '../../src/orchestrator/config.js';
import { createRun, prepareConfig, runController } from '../../src/orchestrator/session.js';
import { EvaluationQueue } from '../../src/queue/evaluation-queue.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import type { RedisSettings } from '../../src/queue/redis.js';
import { type Store, openStore } from '../../src/store/index.js';
import { parseTask, taskKey } from '../../src/task/task.js';
import { engineHandler } from '../../src/worker/handler.js';
import { type Backend, type TestDatabase, postgresBackend, sqliteBackend } from '../store/backends.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';

const TABLE = resolve(import.meta.dirname, '../../data/nasbench201/cifar10.csv.gz');

function config(budget: number, strategy = 'evolution', extra: Partial<SearchConfigInput> = {}): SearchConfigInput {
  const task = parseTask({ kind: 'lookup', table: TABLE, fitness: 'c10valid_val_12ep', report: 'c10_test_200ep', delayMs: 5 });
  return {
    name: 'nb201-e2e',
    space: 'nasbench201',
    strategy,
    engine: 'table',
    task,
    taskKey: taskKey(task, 'table'),
    network: { inputShape: [32, 32, 3], classes: 10 },
    budget: { candidates: budget },
    maxInFlight: 6,
    seed: 7,
    reward: { mu: 0, rho: 0 },
    reuseResults: false,
    ...extra,
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function system(backend: Backend, workers = 2) {
  const db: TestDatabase = await backend.create();
  const store = await openStore(db.url);
  const redis: RedisSettings = testRedisSettings('loop');
  const engine = new TableEngine();
  const pool = Array.from(
    { length: workers },
    (_, i) =>
      new EvaluationWorker(redis, engineHandler(engine), {
        engine: 'table',
        engineDescription: engine.describe(),
        slot: `cpu${i}`,
        concurrency: 2,
      }),
  );
  for (const w of pool) await w.start();
  cleanups.push(async () => {
    for (const w of pool) await w.close(100);
    await store.close();
    await db.drop();
    await deletePrefix(redis);
  });
  const logs: string[] = [];
  const options = { store, redis, log: (l: string) => logs.push(l), controllerId: 'test-controller' };
  return { store, redis, options, logs, pool };
}

async function accountedOnce(store: Store, runId: string, budget: number) {
  const page = await store.listCandidates(runId, { limit: 1000 });
  expect(page.items).toHaveLength(budget);
  expect(new Set(page.items.map((c) => c.hash)).size).toBe(budget);
  expect(page.items.map((c) => c.sequence)).toEqual(Array.from({ length: budget }, (_, i) => i + 1));
  expect(page.items.every((c) => c.status === 'ok' && c.accuracy! > 0 && c.accuracy! <= 1)).toBe(true);
  const run = await store.getRun(runId);
  expect(run.resultCount).toBe(budget);
  expect(run.status).toBe('finished');
  return page.items;
}

describe.each([sqliteBackend, postgresBackend])('search loop on real Redis and $name', (backend) => {
  it('evaluates every candidate exactly once and finishes', async () => {
    const { store, options } = await system(backend);
    const cfg = prepareConfig(config(30, 'qlearning-predictor'));
    const run = await createRun(store, cfg);
    expect(await runController(run.id, options)).toBe('finished');
    const items = await accountedOnce(store, run.id, 30);
    expect(new Set(items.map((c) => c.workerId)).size).toBeGreaterThanOrEqual(1);
    const best = await store.bestCandidates(run.id, { limit: 1 });
    expect(best[0]!.reward).toBe(Math.max(...items.map((c) => c.reward!)));
    expect((await store.latestSnapshot(run.id))!.resultCount).toBe(30);
    // Committed jobs are removed from Redis, and a finished run has waited for every removal.
    const queue = new EvaluationQueue(options.redis, 'table');
    try {
      expect(await queue.counts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0 });
    } finally {
      await queue.close();
    }
  });
});

describe('stop, resume and lost jobs (SQLite)', () => {
  it('stops mid-run and resumes to exactly the budget, nothing lost or repeated', async () => {
    const { store, options } = await system(sqliteBackend);
    const cfg = prepareConfig(config(40));
    const run = await createRun(store, cfg);
    const stopper = new AbortController();
    let seen = 0;
    const outcome = await runController(run.id, {
      ...options,
      stopSignal: stopper.signal,
      onProgress: (p) => (seen = p.done) >= 12 && stopper.abort(),
    });
    expect(outcome).toBe('stopped');
    expect(seen).toBeGreaterThanOrEqual(12);
    const stopped = await store.getRun(run.id);
    expect(stopped.status).toBe('stopped');
    expect(stopped.resultCount).toBeLessThan(40);
    expect(await runController(run.id, options)).toBe('finished');
    await accountedOnce(store, run.id, 40);
  });

  it('continues identically after a resume: same candidates as an uninterrupted run', async () => {
    const a = await system(sqliteBackend, 1);
    const straight = await createRun(a.store, prepareConfig(config(24, 'evolution', { maxInFlight: 1 })));
    await runController(straight.id, a.options);
    const reference = (await a.store.listCandidates(straight.id, { limit: 100 })).items.map((c) => c.nsc);

    const interrupted = await createRun(a.store, prepareConfig(config(24, 'evolution', { maxInFlight: 1 })));
    const stopper = new AbortController();
    await runController(interrupted.id, { ...a.options, stopSignal: stopper.signal, onProgress: (p) => p.done >= 9 && stopper.abort() });
    await runController(interrupted.id, a.options);
    const resumed = (await a.store.listCandidates(interrupted.id, { limit: 100 })).items.map((c) => c.nsc);
    expect(resumed).toEqual(reference);
  });

  it('notices while running that Redis lost its jobs and re-enqueues them', async () => {
    const { store, options, redis } = await system(sqliteBackend);
    const run = await createRun(
      store,
      prepareConfig(
        config(16, 'evolution', { task: parseTask({ kind: 'lookup', table: TABLE, fitness: 'c10valid_val_12ep', delayMs: 150 }) }),
      ),
    );
    const queue = new EvaluationQueue(redis, 'table');
    let wiped = false;
    const outcome = await runController(run.id, {
      ...options,
      reconcileEveryMs: 300,
      onProgress: (p) => {
        if (!wiped && p.done >= 3) {
          wiped = true;
          void queue.obliterate(); // Redis restarted empty, under a live controller
        }
      },
    });
    await queue.close();
    expect(wiped).toBe(true);
    expect(outcome).toBe('finished');
    await accountedOnce(store, run.id, 16);
    expect((await store.listEvents(run.id)).map((e) => e.kind)).toContain('requeued');
  });

  it('re-enqueues in-flight jobs that Redis lost', async () => {
    const { store, options, redis, pool } = await system(sqliteBackend);
    for (const w of pool) await w.close(100); // no workers: jobs stay queued
    const run = await createRun(store, prepareConfig(config(10)));
    const stopper = new AbortController();
    setTimeout(() => stopper.abort(), 1500);
    expect(await runController(run.id, { ...options, stopSignal: stopper.signal })).toBe('stopped');
    expect((await store.countByStatus(run.id)).queued).toBe(6);
    const queue = new EvaluationQueue(redis, 'table');
    await queue.obliterate(); // Redis restarted empty
    await queue.close();
    const engine = new TableEngine();
    const worker = new EvaluationWorker(redis, engineHandler(engine), { engine: 'table', engineDescription: 'table', slot: 'late' });
    await worker.start();
    cleanups.push(() => worker.close(100));
    expect(await runController(run.id, options)).toBe('finished');
    await accountedOnce(store, run.id, 10);
    const events = await store.listEvents(run.id);
    expect(events.map((e) => e.kind)).toContain('requeued');
  });
});

describe('in-flight depth above the store batch limit (SQLite)', () => {
  it('queues and commits in store-sized batches: 1,050 in flight, every candidate once', async () => {
    const { store, options } = await system(sqliteBackend, 2);
    const budget = 1100;
    const run = await createRun(store, prepareConfig(config(budget, 'random', { maxInFlight: 1050 })));
    expect(await runController(run.id, options)).toBe('finished');
    const run2 = await store.getRun(run.id);
    expect(run2.resultCount).toBe(budget);
    expect(run2.candidateCount).toBe(budget);
    const page = await store.listCandidates(run.id, { limit: 1000 });
    expect(page.items.every((c) => c.status === 'ok')).toBe(true);
  });
});
