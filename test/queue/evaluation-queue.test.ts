import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type EvaluateJobInput, JOB_CONTRACT, evaluateQueueName } from '../../src/queue/contract.js';
import { EvaluationQueue, type JobReport } from '../../src/queue/evaluation-queue.js';
import { type EvaluationHandler, EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import { redisOptions } from '../../src/queue/redis.js';
import { listWorkers, settledWorkers } from '../../src/queue/worker-registry.js';
import { INPUT_ID, IrBuilder } from '../../src/search-space/index.js';
import { parseTask } from '../../src/task/task.js';
import { deletePrefix, eventually, testRedisSettings } from '../helpers/redis.js';

const tinyIr = (() => {
  const b = new IrBuilder('tiny', [8, 8, 1]);
  return b.build(b.dense(b.globalAvgPool(b.conv(INPUT_ID, { filters: 2, kernel: 3, padding: 1 })), { units: 10 })).ir;
})();
const task = parseTask({ kind: 'classification', dataset: { name: 'mnist' }, recipe: { epochs: 2 } });

function job(runId: string, n: number, extra: Partial<EvaluateJobInput> = {}): EvaluateJobInput {
  return {
    contract: JOB_CONTRACT,
    runId,
    candidateHash: n.toString(16).padStart(16, '0'),
    ir: tinyIr,
    task,
    engine: 'unit',
    seed: n,
    timeLimitSeconds: 60,
    ...extra,
  };
}

const okOutcome = (accuracy: number) => ({
  status: 'ok' as const,
  accuracy,
  curve: [],
  trainSeconds: 0.01,
  evalSeconds: 0,
  imagesPerSecond: 100,
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(handler: EvaluationHandler, opts: { workers?: number; attempts?: number } = {}) {
  const settings = testRedisSettings('queue');
  const queue = new EvaluationQueue(settings, 'unit', { attempts: opts.attempts ?? 3, backoffMs: 50 });
  const reports: JobReport[] = [];
  const stop = await queue.listen((r) => reports.push(r));
  const workers = Array.from(
    { length: opts.workers ?? 1 },
    (_, i) =>
      new EvaluationWorker(settings, handler, {
        engine: 'unit',
        engineDescription: 'unit test engine',
        slot: `cpu${i}`,
        cancelPollMs: 50,
        lockDurationMs: 5000,
      }),
  );
  for (const w of workers) await w.start();
  cleanups.push(async () => {
    await stop();
    for (const w of workers) await w.close(100);
    await queue.close();
    await deletePrefix(settings);
  });
  return { settings, queue, reports, workers };
}

describe('EvaluationQueue + EvaluationWorker on real Redis', () => {
  it('delivers each result once and never trains a duplicate job twice', async () => {
    const seen: string[] = [];
    const { queue, reports } = await setup(async (j) => {
      seen.push(j.candidateHash);
      return okOutcome(0.5 + j.seed / 100);
    });
    await queue.enqueueMany([job('run1', 1), job('run1', 2)]);
    await queue.enqueue(job('run1', 1)); // duplicate: same job id
    await eventually(() => (reports.length >= 2 ? true : undefined), 10_000, 'two results');
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.sort()).toEqual(['0000000000000001', '0000000000000002']);
    const results = reports.filter((r) => r.kind === 'result').map((r) => (r.kind === 'result' ? r.result : null)!);
    expect(results.map((r) => r.accuracy).sort()).toEqual([0.51, 0.52]);
    expect(results[0]!.worker.host).toBeTruthy();
    expect(results[0]!.engine.name).toBe('unit');
  });

  it('the settled registry counts every job done, though slots note their jobs in coalesced writes', async () => {
    const { settings, queue, reports } = await setup(async (j) => okOutcome(j.seed / 100));
    const client = new Redis(redisOptions(settings));
    cleanups.push(async () => void client.disconnect());
    await queue.enqueueMany([1, 2, 3, 4, 5].map((n) => job('run1', n)));
    await eventually(() => (reports.length >= 5 ? true : undefined), 10_000, 'five results');
    const [slot] = await settledWorkers(client, settings.prefix);
    expect(slot!.jobsDone).toBe(5);
    expect(slot!.currentJob).toBeNull();
  });

  it('rejects a malformed job at once without retrying it', async () => {
    let calls = 0;
    const { settings, reports } = await setup(async () => {
      calls++;
      return okOutcome(1);
    });
    const raw = new Queue(evaluateQueueName('unit'), { connection: redisOptions(settings), prefix: settings.prefix });
    await raw.add(
      'evaluate',
      { contract: JOB_CONTRACT, runId: 'run1', candidateHash: 'zz' },
      { jobId: 'run1.00000000000000aa', attempts: 3 },
    );
    await raw.close();
    const report = await eventually(() => reports.find((r) => r.kind === 'failed'), 10_000, 'failure report');
    expect(report.kind === 'failed' && report.reason).toMatch(/rejected job .*malformed evaluate job/);
    expect(report.kind === 'failed' && report.attempts).toBe(1);
    expect(calls).toBe(0);
  });

  it('turns a malformed result from a foreign worker into a failure instead of crashing', async () => {
    const settings = testRedisSettings('foreign');
    const queue = new EvaluationQueue(settings, 'unit');
    const reports: JobReport[] = [];
    const stop = await queue.listen((r) => reports.push(r));
    const foreign = new Worker(evaluateQueueName('unit'), async () => ({ accuracy: 'high' }), {
      connection: redisOptions(settings),
      prefix: settings.prefix,
    });
    cleanups.push(async () => {
      await stop();
      await foreign.close();
      await queue.close();
      await deletePrefix(settings);
    });
    await queue.enqueue(job('run1', 11));
    const report = await eventually(() => reports.find((r) => r.kind === 'failed'), 10_000, 'failure report');
    expect(report.kind === 'failed' && report.reason).toMatch(/malformed result/);
    const [again] = await queue.reconcile('run1', ['000000000000000b']);
    expect(again!.kind === 'failed' && again!.reason).toMatch(/malformed result/);
  });

  it('retries a job whose handler throws, then records the success', async () => {
    let calls = 0;
    const { queue, reports } = await setup(async () => {
      calls++;
      if (calls === 1) throw new Error('transient: CUDA device vanished');
      return okOutcome(0.9);
    });
    await queue.enqueue(job('run1', 7));
    const report = await eventually(() => reports.find((r) => r.kind === 'result'), 10_000, 'result');
    expect(report.kind === 'result' && report.result.attempt).toBe(2);
    expect(reports.filter((r) => r.kind === 'failed')).toHaveLength(0);
  });

  it('reports a final failure after all attempts', async () => {
    const { queue, reports } = await setup(
      async () => {
        throw new Error('always broken');
      },
      { attempts: 2 },
    );
    await queue.enqueue(job('run1', 8));
    const report = await eventually(() => reports.find((r) => r.kind === 'failed'), 10_000, 'failure');
    expect(report.kind === 'failed' && report.attempts).toBe(2);
    expect(report.kind === 'failed' && report.reason).toContain('always broken');
  });

  it('enforces the per-job time limit', async () => {
    const { queue, reports } = await setup(
      (_, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(okOutcome(1)))),
    );
    await queue.enqueue(job('run1', 9, { timeLimitSeconds: 0.2 }));
    const report = await eventually(() => reports.find((r) => r.kind === 'result'), 10_000, 'time-limit result');
    expect(report.kind === 'result' && report.result.status).toBe('failed');
    expect(report.kind === 'result' && report.result.error).toMatch(/time limit/);
  });

  it('cancels a run: waiting jobs vanish and the active one is aborted', async () => {
    let started = 0;
    const { queue, reports } = await setup((_, ctx) => {
      started++;
      return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(okOutcome(1))));
    });
    await queue.enqueueMany([job('runA', 1), job('runA', 2), job('runA', 3)]);
    await eventually(() => (started === 1 ? true : undefined), 10_000, 'first job started');
    const removed = await queue.cancelRun('runA');
    expect(removed).toBe(2);
    // A typed kind, not a failure whose reason the loop must parse; reconcile reads the job as the same kind.
    const report = await eventually(() => reports.find((r) => r.kind === 'cancelled' || r.kind === 'failed'), 10_000, 'cancellation');
    expect(report).toMatchObject({ kind: 'cancelled', runId: 'runA' });
    expect(await queue.reconcile('runA', [report.kind === 'cancelled' ? report.candidateHash : ''])).toEqual([
      expect.objectContaining({ kind: 'cancelled' }),
    ]);
    expect(started).toBe(1);
  });

  it('reconciles results that completed while nobody listened, and reports lost jobs', async () => {
    const settings = testRedisSettings('reconcile');
    const queue = new EvaluationQueue(settings, 'unit');
    const worker = new EvaluationWorker(settings, async () => okOutcome(0.75), { engine: 'unit', engineDescription: 'unit', slot: 'cpu0' });
    cleanups.push(async () => {
      await worker.close(100);
      await queue.close();
      await deletePrefix(settings);
    });
    await worker.start();
    await queue.enqueue(job('run9', 1));
    const [report] = await eventually(
      async () => {
        const r = await queue.reconcile('run9', ['0000000000000001']);
        return r[0]!.kind === 'result' ? r : undefined;
      },
      10_000,
      'completed job',
    );
    expect(report!.kind === 'result' && report!.result.accuracy).toBe(0.75);
    const [lost] = await queue.reconcile('run9', ['00000000000000ff']);
    expect(lost!.kind).toBe('lost');
    await queue.forget('run9', '0000000000000001');
    expect((await queue.reconcile('run9', ['0000000000000001']))[0]!.kind).toBe('lost');
  });

  it('hands an unfinished job back on shutdown so another worker finishes it', async () => {
    const settings = testRedisSettings('handback');
    const queue = new EvaluationQueue(settings, 'unit');
    const reports: JobReport[] = [];
    const stop = await queue.listen((r) => reports.push(r));
    const slow = new EvaluationWorker(
      settings,
      (_, ctx) => new Promise((resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
      { engine: 'unit', engineDescription: 'slow', slot: 'slow' },
    );
    const fast = new EvaluationWorker(settings, async () => okOutcome(0.6), { engine: 'unit', engineDescription: 'fast', slot: 'fast' });
    cleanups.push(async () => {
      await stop();
      await fast.close(100);
      await queue.close();
      await deletePrefix(settings);
    });
    await slow.start();
    await queue.enqueue(job('run2', 3));
    const client = new Redis(settings.url);
    const busy = await eventually(
      async () => (await listWorkers(client, settings.prefix)).find((w) => w.currentJob),
      10_000,
      'busy worker',
    );
    expect(busy.slot).toBe('slow');
    expect(busy.health).toBe('alive');
    await slow.close(100);
    expect(slow.handedBack).toBe(true);
    await fast.start();
    const report = await eventually(() => reports.find((r) => r.kind === 'result'), 10_000, 'result from the second worker');
    expect(report.kind === 'result' && report.result.worker.id).toBe(fast.id);
    expect((await listWorkers(client, settings.prefix)).map((w) => w.slot)).toEqual(['fast']);
    client.disconnect();
  });
});
