/**
 * Issue #21 item 7 on the dashboard's API: a running run whose jobs no live worker of its engine can take
 * carries a notice with the exact worker command in its overview (GET /api/runs/:id and the run stream),
 * once none has been seen for the warning period; a live worker of its engine clears it, one of another
 * engine does not (and is named).
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { TableEngine } from '../../src/engines/table/index.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { redactUrl } from '../../src/queue/redis.js';
import { NO_WORKER_WARN_ENV } from '../../src/queue/worker-hint.js';
import type { RunOverview } from '../../src/server/api-types.js';
import { engineHandler } from '../../src/worker/handler.js';
import { eventually } from '../helpers/redis.js';
import { type TestDashboard, startDashboard } from './harness.js';

let dash: TestDashboard;
const workers: EvaluationWorker[] = [];
beforeAll(async () => {
  process.env[NO_WORKER_WARN_ENV] = '0.3';
  dash = await startDashboard();
});
afterEach(async () => {
  for (const w of workers.splice(0)) await w.close(100);
});
afterAll(async () => {
  delete process.env[NO_WORKER_WARN_ENV];
  await dash?.close();
});

const overview = async (runId: string): Promise<RunOverview> =>
  (await (await fetch(`${dash.url}/api/runs/${runId}`)).json()) as RunOverview;

async function startWorker(engine: string): Promise<void> {
  const table = new TableEngine();
  const w = new EvaluationWorker(dash.redis, engineHandler(table), {
    engine,
    engineDescription: table.describe(),
    slot: `cpu-${engine}`,
    concurrency: 1,
  });
  workers.push(w);
  await w.start();
}

it('names the worker command once the running run has waited without a live worker of its engine; a live one clears it', async () => {
  const run = await dash.store.createRun({
    name: 'waiting',
    strategy: 'random',
    engine: 'table',
    taskKey: 'hint',
    seed: 1,
    status: 'running',
    config: { space: 'nasbench201' },
    budget: { candidates: 3 },
  });
  await dash.store.upsertQueuedCandidates(run.id, [{ hash: 'a1b2c3d4e5f60718', nsc: 'cell', flops: 1, params: 1, density: 1 }]);
  const command = `blockqnn worker --engine table --redis ${redactUrl(dash.redis.url)} --prefix ${dash.redis.prefix}`;

  // The first look starts the grace period (workers may still be starting); after it, the notice.
  expect((await overview(run.id)).workerHint).toBeNull();
  await startWorker('torch');
  const hint = await eventually(async () => (await overview(run.id)).workerHint ?? undefined, 10_000, 'the no-worker notice');
  expect(hint).toEqual({
    engine: 'table',
    prefix: dash.redis.prefix,
    command,
    otherEngines: ['torch'],
    message: `no live table worker on prefix ${dash.redis.prefix} (live slots of other engines: torch; they never take this run's jobs): the run's jobs wait. Start one with: ${command}`,
  });

  await startWorker('table');
  expect((await overview(run.id)).workerHint).toBeNull();
  // Only running runs with jobs in flight: a stopped one waits for nobody.
  await dash.store.updateRun(run.id, { status: 'stopped' });
  await workers.splice(0).reduce((p, w) => p.then(() => w.close(100)), Promise.resolve());
  await new Promise((r) => setTimeout(r, 400));
  expect((await overview(run.id)).workerHint).toBeNull();
}, 30_000);
