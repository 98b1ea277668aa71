/**
 * A job's pruner through the whole worker side: a real EvaluationWorker slot
 * with the torch engine takes jobs from Redis, answers the trainer's epoch-end
 * question from the run's pruning board (seeded as the controller seeds it from
 * stored results), and returns a pruned result; a candidate that completes
 * records its curve. A board that does not answer means continue.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { TorchEngine } from '../../src/engines/torch/index.js';
import {
  type EvaluateJobInput,
  type EvaluateResult,
  JOB_CONTRACT,
  evaluateJobId,
  evaluateQueueName,
  parseEvaluateJob,
  parseEvaluateResult,
} from '../../src/queue/contract.js';
import { EvaluationQueue } from '../../src/queue/evaluation-queue.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { PruningBoard } from '../../src/queue/pruning-board.js';
import { redisOptions } from '../../src/queue/redis.js';
import { engineHandler } from '../../src/worker/handler.js';
import { pruningHooks } from '../../src/worker/pruning.js';
import { torchPython } from '../engines/torch/helpers.js';
import { tinyIr, tinyTask } from '../engines/pruning-fixtures.js';
import { deletePrefix, eventually, testRedisSettings } from '../helpers/redis.js';

const settings = testRedisSettings('prune-worker');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await deletePrefix(settings);
});
const hash = (i: number) => i.toString(16).padStart(16, '0');
const job = (runId: string, i: number, pruner: EvaluateJobInput['pruner']): EvaluateJobInput => ({
  contract: JOB_CONTRACT,
  runId,
  candidateHash: hash(i),
  ir: tinyIr,
  task: tinyTask(3),
  engine: 'torch',
  seed: i,
  timeLimitSeconds: 600,
  pruner,
});

async function resultOf(queue: Queue, runId: string, i: number): Promise<EvaluateResult> {
  return eventually(
    async () => {
      const done = await queue.getJob(evaluateJobId(runId, hash(i)));
      return done?.returnvalue ? parseEvaluateResult(done.returnvalue) : undefined;
    },
    240_000,
    `the result of ${runId}/${i}`,
  );
}

describe('worker: pruning through the board', () => {
  it('prunes a candidate below the median of completed ones after epoch 1; the first at an ASHA rung trains on and records its curve', async () => {
    const queue = new EvaluationQueue(settings, 'torch');
    const raw = new Queue(evaluateQueueName('torch'), { connection: redisOptions(settings), prefix: settings.prefix });
    const engine = new TorchEngine({ python: await torchPython() });
    const logs: string[] = [];
    const worker = new EvaluationWorker(settings, engineHandler(engine), {
      engine: 'torch',
      engineDescription: engine.describe(),
      slot: 'cpu0',
      log: (l) => logs.push(l),
    });
    await worker.start();
    cleanups.push(async () => {
      await worker.close(1000);
      await engine.close();
      await raw.close();
      await queue.close();
    });
    // Two candidates that completed with a perfect accuracy at every epoch, as stored results would reseed them.
    await queue.seedPruningBoard(
      'median-run',
      [1, 2].map((i) => ({ candidateHash: hash(i), valAccuracies: [1, 1, 1], completed: true })),
    );
    await queue.enqueue(job('median-run', 3, { name: 'median', options: { startupCandidates: 2 } }));
    const pruned = await resultOf(raw, 'median-run', 3);
    expect(pruned.status).toBe('pruned');
    expect(pruned.curve.map((r) => r.epoch)).toEqual([1]);
    expect(pruned.accuracy).toBe(pruned.curve[0]!.valAccuracy);
    // The controller hears it as a result, pruned, with its curve.
    expect(await queue.reconcile('median-run', [hash(3)])).toEqual([
      { kind: 'result', result: expect.objectContaining({ status: 'pruned', curve: pruned.curve }) },
    ]);

    await queue.enqueue(job('asha-run', 4, { name: 'asha', options: { reductionFactor: 2 } }));
    const first = await resultOf(raw, 'asha-run', 4);
    expect(first.status).toBe('ok');
    expect(first.curve).toHaveLength(3);
    const client = new Redis(redisOptions(settings));
    cleanups.push(async () => void client.disconnect());
    const board = new PruningBoard(client, settings.prefix);
    const view = await board.report('asha-run', hash(5), 1, 0, { reported: true, completed: true });
    expect(view.completedCount).toBe(1);
    expect(view.completed).toEqual([first.curve[0]!.valAccuracy]);
    expect([...view.reported].sort()).toEqual([0, first.curve[0]!.valAccuracy].sort());
    expect(logs.filter((l) => /pruning board/.test(l))).toEqual([]);
  }, 300_000);

  it('continues when the board does not answer, and says so', async () => {
    // A Redis client for a port nothing listens on: commands wait in its offline queue.
    const dead = new Redis({ port: 1, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => 1000 });
    dead.on('error', () => {});
    cleanups.push(async () => void dead.disconnect());
    const logs: string[] = [];
    const hooks = pruningHooks(parseEvaluateJob(job('dead-run', 6, { name: 'asha' })), new PruningBoard(dead, settings.prefix), {
      timeoutMs: 200,
      log: (l) => logs.push(l),
    })!;
    const record = { epoch: 1, loss: 2, trainAccuracy: 0.1, valAccuracy: 0.1, learningRate: 1e-3, seconds: 1 };
    expect(await hooks.shouldContinue(record)).toBe(true);
    expect(logs).toEqual([
      `candidate ${hash(6)} of run dead-run: the pruning board did not answer at epoch 1 (no answer within 200 ms); training continues`,
    ]);
    // Between rungs it never asks the board.
    expect(await hooks.shouldContinue({ ...record, epoch: 2 })).toBe(true);
    expect(logs).toHaveLength(1);
    expect(pruningHooks(parseEvaluateJob(job('dead-run', 7, undefined)), new PruningBoard(dead, settings.prefix))).toBeUndefined();
  });
});
