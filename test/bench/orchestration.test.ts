/**
 * `bench orchestration` end to end at a tiny size: real Redis, a fresh SQLite
 * file, the worker host child process and the real search loop. Asserts the
 * report's shape and consistency, not speeds.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOrchestrationBench } from '../../src/bench/orchestration/index.js';

const TABLE = resolve(import.meta.dirname, '../../data/nasbench201/cifar10.csv.gz');

describe('blockqnn bench orchestration', () => {
  it('reports raw BullMQ, end-to-end and scaling figures from one run', async () => {
    const r = await runOrchestrationBench({
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      table: TABLE,
      fitness: 'c10valid_val_12ep',
      candidates: 150,
      rawJobs: 300,
      workers: 2,
      concurrency: 4,
      maxInFlight: 32,
      strategy: 'random',
      scalingSeconds: 1,
      memory: false,
      memoryCandidates: 1,
      workerJobs: 1,
      log: () => {},
    });
    expect(r.endToEnd.count).toBe(150);
    expect(r.rawBullmq.count).toBe(300);
    expect(r.candidatesPerSecond).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.candidatesPerSecond / r.rawBullmqJobsPerSecond, 10);
    expect(r.scaling).toMatchObject({ workers: 64, jobMs: 100, idealPerSecond: 640, candidates: 640 });
    expect(r.scalingEfficiency64).toBeGreaterThan(0);
    expect(r.memory).toBeUndefined();
  }, 120_000);
});
