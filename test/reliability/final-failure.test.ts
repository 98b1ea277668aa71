/** A job that fails for good names the worker slot that failed it last (the record's workerId was null before). */
import { afterEach, expect, it } from 'vitest';
import { JOB_CONTRACT } from '../../src/queue/contract.js';
import { EvaluationQueue, type JobReport } from '../../src/queue/evaluation-queue.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { parseTask } from '../../src/task/task.js';
import { deletePrefix, eventually, testRedisSettings } from '../helpers/redis.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('a final failure, heard live or found by reconcile, carries the id of the worker slot that failed it', async () => {
  const settings = testRedisSettings('final-failure');
  const queue = new EvaluationQueue(settings, 'unit', { attempts: 2, backoffMs: 50 });
  const reports: JobReport[] = [];
  const unlisten = await queue.listen((r) => reports.push(r));
  const worker = new EvaluationWorker(
    settings,
    async () => {
      throw new Error('the engine broke');
    },
    { engine: 'unit', engineDescription: 'always fails', slot: 'cpu0', lockDurationMs: 5000 },
  );
  await worker.start();
  cleanups.push(async () => {
    await unlisten();
    await worker.close(100);
    await queue.close();
    await deletePrefix(settings);
  });
  const hash = 'ab'.repeat(8);
  const task = parseTask({ kind: 'lookup', table: '/nonexistent.csv', fitness: 'acc' });
  await queue.enqueue({
    contract: JOB_CONTRACT,
    runId: 'run1',
    candidateHash: hash,
    candidateKey: 'k',
    task,
    engine: 'unit',
    seed: 1,
    timeLimitSeconds: 60,
  });
  const live = await eventually(() => reports.find((r) => r.kind === 'failed'), 10_000, 'the final failure');
  expect(live).toMatchObject({ kind: 'failed', attempts: 2, workerId: worker.id });
  const [found] = await queue.reconcile('run1', [hash]);
  expect(found).toMatchObject({ kind: 'failed', workerId: worker.id });
});
