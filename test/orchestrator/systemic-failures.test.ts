/**
 * Systemic failures (src/orchestrator/loop/systemic.ts) on real Redis, real workers and both databases: the
 * table the run was created with disappears from the workers' host, so every lookup fails for the host's
 * fault. The run pauses after `pauseAfterFailures` results in a row, with the reason stored and counted;
 * once the table is back, resume finishes the run with every candidate recorded once.
 */
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TableEngine } from '../../src/engines/table/index.js';
import { createRun, prepareConfig, runController } from '../../src/orchestrator/session.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { openStore } from '../../src/store/index.js';
import { parseTask, taskKey } from '../../src/task/task.js';
import { engineHandler } from '../../src/worker/handler.js';
import { postgresBackend, sqliteBackend } from '../store/backends.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';
import { FITNESS, writeNb201Table } from '../helpers/nb201-table.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.each([sqliteBackend, postgresBackend])('a run whose workers lose its table ($name)', (backend) => {
  it('pauses after 3 identical environmental failures, names the reason, and resume finishes it once the table is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blockqnn-systemic-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const table = join(dir, 'table.csv');
    writeNb201Table(table);
    const db = await backend.create();
    const store = await openStore(db.url);
    const redis = testRedisSettings('systemic');
    const engine = new TableEngine();
    const worker = new EvaluationWorker(redis, engineHandler(engine), {
      engine: 'table',
      engineDescription: engine.describe(),
      slot: 'cpu0',
      concurrency: 1,
    });
    await worker.start();
    cleanups.push(async () => {
      await worker.close(100);
      await store.close();
      await db.drop();
      await deletePrefix(redis);
    });
    const task = parseTask({ kind: 'lookup', table, fitness: FITNESS });
    const config = prepareConfig({
      name: 'systemic',
      space: 'nasbench201',
      strategy: 'random',
      engine: 'table',
      task,
      taskKey: taskKey(task, 'table'),
      network: { inputShape: [32, 32, 3], classes: 10 },
      budget: { candidates: 8 },
      maxInFlight: 2,
      seed: 3,
      reward: { mu: 0, rho: 0 },
      reuseResults: false,
    });
    expect(config.pauseAfterFailures).toBe(3);
    // Created (and its table checked) while the table is there; then the workers' host loses it.
    const run = await createRun(store, config);
    renameSync(table, `${table}.away`);
    const logs: string[] = [];
    const progress: { failed: number; topFailures: { reason: string; count: number }[] }[] = [];
    const options = {
      store,
      redis,
      log: (l: string) => logs.push(l),
      controllerId: 'systemic-test',
      onProgress: (p: (typeof progress)[number]) => progress.push(p),
    };

    expect(await runController(run.id, options)).toBe('paused');
    const paused = await store.getRun(run.id);
    expect(paused.status).toBe('paused');
    // Results that arrived together are committed together: the third may come with a fourth (2 in flight).
    const failed = paused.resultCount;
    expect(failed === 3 || failed === 4, `${failed} results`).toBe(true);
    expect(paused.error).toMatch(
      /^3 results in a row failed because the dataset is missing where the job ran \(worker [^)]+\): INVALID_INPUT: cannot read table .*table\.csv: ENOENT/,
    );
    expect(logs.join('\n')).toContain(`blockqnn resume ${run.id}`);
    const reasons = await store.failureReasons(run.id);
    expect(reasons).toEqual([{ reason: expect.stringMatching(/^INVALID_INPUT: cannot read table .*table\.csv: ENOENT/), count: failed }]);
    expect(progress.at(-1)!.topFailures).toEqual(reasons);
    const events = await store.listEvents(run.id);
    expect(events.find((e) => e.kind === 'paused')?.payload).toMatchObject({ cause: 'dataset_missing', count: 3 });

    // Fixed: resume continues where it paused; the failures stay recorded, nothing is evaluated twice.
    renameSync(`${table}.away`, table);
    expect(await runController(run.id, { ...options, onProgress: () => undefined })).toBe('finished');
    const finished = await store.getRun(run.id);
    expect([finished.status, finished.error, finished.resultCount]).toEqual(['finished', null, 8]);
    const rows = (await store.listCandidates(run.id, { limit: 100 })).items;
    expect(rows).toHaveLength(8);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(8);
    // A job the worker had already failed when the run paused keeps its result, which resume commits.
    const failedInAll = rows.filter((r) => r.status === 'failed').length;
    expect(failedInAll === failed || failedInAll === failed + 1, `${failedInAll} failed`).toBe(true);
    expect(rows.filter((r) => r.status === 'ok')).toHaveLength(8 - failedInAll);
    expect(await store.failureReasons(run.id)).toEqual([{ reason: reasons[0]!.reason, count: failedInAll }]);
  }, 60_000);
});

it('pauseAfterFailures 0 never pauses: the budget is spent on failures, each counted under its reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-systemic-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const db = await sqliteBackend.create();
  const store = await openStore(db.url);
  const redis = testRedisSettings('systemic0');
  const engine = new TableEngine();
  const worker = new EvaluationWorker(redis, engineHandler(engine), {
    engine: 'table',
    engineDescription: engine.describe(),
    slot: 'cpu0',
    concurrency: 1,
  });
  await worker.start();
  cleanups.push(async () => {
    await worker.close(100);
    await store.close();
    await db.drop();
    await deletePrefix(redis);
  });
  const table = join(dir, 'table.csv');
  writeNb201Table(table);
  const task = parseTask({ kind: 'lookup', table, fitness: FITNESS });
  const run = await createRun(
    store,
    prepareConfig({
      name: 'never',
      space: 'nasbench201',
      strategy: 'random',
      engine: 'table',
      task,
      taskKey: taskKey(task, 'table'),
      pauseAfterFailures: 0,
      network: { inputShape: [32, 32, 3], classes: 10 },
      budget: { candidates: 5 },
      maxInFlight: 1,
      seed: 3,
      reward: { mu: 0, rho: 0 },
      reuseResults: false,
    }),
  );
  rmSync(table);
  expect(await runController(run.id, { store, redis, log: () => undefined, controllerId: 'systemic-test' })).toBe('finished');
  expect(await store.failureReasons(run.id)).toEqual([{ reason: expect.stringContaining('cannot read table'), count: 5 }]);
}, 60_000);
