/**
 * `blockqnn bench orchestration`: how fast the controller → queue → store loop
 * turns candidates over, beside raw BullMQ on the same Redis in the same run.
 *
 * - raw BullMQ: `Queue.addBulk` of small jobs and a `Worker` with a no-op
 *   processor (the ceiling any BullMQ-based system can reach here);
 * - end to end: `runController` (the real search loop: strategy, commits with
 *   the controller snapshot in one transaction, job removal) on NAS-Bench-201
 *   with the table engine and no simulated training, fed by in-process
 *   `EvaluationWorker`s;
 * - scaling: 64 simulated workers (concurrency 64 in all) with fixed 100 ms
 *   jobs (`delayMs` 100); ideal throughput is 64 / 0.1 s = 640 candidates/s;
 * - memory (`--memory`): the controller's resident memory after 100,000
 *   candidates with its workers in another process, and a worker slot's
 *   resident memory across 1,000 jobs (the slot of a real `blockqnn worker`).
 *
 * Everything runs under its own key prefix (deleted afterwards) and, unless
 * `--db` is given, in a fresh SQLite file that is removed at the end. The
 * raw-BullMQ baseline names BullMQ directly: measuring it is its purpose.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { type RedisSettings, assertRedisReachable } from '../../queue/redis.js';
import { openStore } from '../../store/index.js';
import { type LoopRun, lookupConfig, runLoop } from './loop-run.js';
import { measureMemory } from './memory.js';
import { measureRawBullmq } from './raw-bullmq.js';
import { type OrchestrationBenchOptions, type OrchestrationBenchReport, formatOrchestrationBench } from './report.js';
import { deletePrefix, mb, packageVersion } from './util.js';
import { startWorkerHost } from './worker-host.js';

export type { OrchestrationBenchOptions, OrchestrationBenchReport, ThroughputFigure } from './report.js';
export { formatOrchestrationBench } from './report.js';
export { measureRawBullmq } from './raw-bullmq.js';

export async function runOrchestrationBench(o: OrchestrationBenchOptions): Promise<OrchestrationBenchReport> {
  const redis: RedisSettings = { url: o.redisUrl, prefix: o.prefix ?? `bench-orch-${randomBytes(4).toString('hex')}` };
  await assertRedisReachable(redis);
  if (!existsSync(o.table))
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `no table at ${o.table}`, {
      hint: 'pass --table with a NAS-Bench-201 CSV, or leave it out for the bundled data/nasbench201/cifar10.csv.gz',
    });
  const dir = o.db ? null : mkdtempSync(join(tmpdir(), 'blockqnn-bench-'));
  const dbUrl = o.db ?? `file:${join(dir!, 'bench.db')}`;
  const store = await openStore(dbUrl);
  try {
    o.log(`raw BullMQ: ${o.rawJobs} no-op jobs, ${o.workers} worker(s) × concurrency ${o.concurrency}`);
    const raw = await measureRawBullmq(redis, { jobs: o.rawJobs, workers: o.workers, concurrency: o.concurrency });
    o.log(`  ${raw.perSecond.toFixed(0)} jobs/s`);

    o.log(
      `end to end: ${o.candidates} NAS-Bench-201 candidates, strategy ${o.strategy}, ${o.workers} in-process worker(s) × concurrency ${o.concurrency}, ${o.maxInFlight} in flight, ${store.provider}`,
    );
    let host = await startWorkerHost({ mode: 'table', redis, workers: o.workers, concurrency: o.concurrency });
    let e2e: LoopRun;
    try {
      e2e = await runLoop(store, redis, lookupConfig({ ...o, delayMs: 0, seed: 1 }), () => {});
    } finally {
      await host.stop();
    }
    o.log(`  ${e2e.perSecond.toFixed(0)} candidates/s (steady ${e2e.steadyPerSecond.toFixed(0)}/s)`);

    const jobMs = 100;
    const scalingWorkers = 64;
    const ideal = scalingWorkers / (jobMs / 1000);
    const scalingCandidates = Math.min(14_000, Math.round(ideal * o.scalingSeconds));
    o.log(
      `scaling: ${scalingWorkers} simulated workers (8 × concurrency 8), ${jobMs} ms jobs, ${scalingCandidates} candidates; ideal ${ideal}/s`,
    );
    host = await startWorkerHost({ mode: 'table', redis, workers: 8, concurrency: 8 });
    let scaling: LoopRun;
    try {
      scaling = await runLoop(
        store,
        redis,
        lookupConfig({ ...o, candidates: scalingCandidates, maxInFlight: 2 * scalingWorkers, delayMs: jobMs, seed: 2 }),
        () => {},
      );
    } finally {
      await host.stop();
    }
    o.log(`  ${scaling.perSecond.toFixed(0)}/s overall, ${scaling.steadyPerSecond.toFixed(0)}/s steady`);

    const memory = o.memory ? await measureMemory(store, dbUrl, redis, o) : undefined;
    return {
      candidatesPerSecond: e2e.perSecond,
      rawBullmqJobsPerSecond: raw.perSecond,
      ratio: e2e.perSecond / raw.perSecond,
      scalingEfficiency64: scaling.steadyPerSecond / ideal,
      endToEnd: {
        count: e2e.candidates,
        seconds: e2e.seconds,
        perSecond: e2e.perSecond,
        steadyPerSecond: e2e.steadyPerSecond,
        strategy: o.strategy,
        workers: o.workers,
        concurrency: o.concurrency,
        maxInFlight: o.maxInFlight,
        database: store.provider,
      },
      rawBullmq: { ...raw, workers: o.workers, concurrency: o.concurrency },
      scaling: {
        workers: scalingWorkers,
        jobMs,
        idealPerSecond: ideal,
        perSecond: scaling.perSecond,
        steadyPerSecond: scaling.steadyPerSecond,
        overallEfficiency: scaling.perSecond / ideal,
        candidates: scaling.candidates,
        seconds: scaling.seconds,
      },
      ...(memory ? { memory } : {}),
      targets: { ratio: 0.25, candidatesPerSecond: 1000, scalingEfficiency64: 0.95, controllerRssMb: 400 },
      machine: `node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, ${mb(totalmem())} MB`,
      versions: {
        bullmq: packageVersion('bullmq'),
        ioredis: packageVersion('ioredis'),
        prisma: packageVersion('@prisma/client'),
        database: store.provider,
      },
    };
  } finally {
    await store.close();
    await deletePrefix(redis);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
