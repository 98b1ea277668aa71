/**
 * `blockqnn bench orchestration --json` end to end at a small size: it runs
 * raw BullMQ, the real search loop and the 64-worker scaling run on the
 * machine's Redis, and (with --memory) a controller process and a worker slot,
 * and reports consistent figures. The figures themselves are the benchmark's
 * business (see the issue note); this checks they are measured, not made up.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { cli, keysUnder, REDIS } from './harness.js';

interface Report {
  candidatesPerSecond: number;
  rawBullmqJobsPerSecond: number;
  ratio: number;
  scalingEfficiency64: number;
  endToEnd: { count: number; seconds: number; perSecond: number; steadyPerSecond: number; database: string };
  rawBullmq: { count: number; seconds: number; perSecond: number };
  scaling: {
    workers: number;
    jobMs: number;
    idealPerSecond: number;
    candidates: number;
    seconds: number;
    perSecond: number;
    steadyPerSecond: number;
  };
  memory: {
    controllerRssMbAfter100k: number;
    controllerCandidates: number;
    controllerRuns: number;
    controllerRssMbByRun: number[];
    controllerPeakRssMb: number;
    workerRssMbStart: number;
    workerRssMbEnd: number;
    workerRssMbSamples: { jobs: number; rssMb: number }[];
  };
  machine: string;
  versions: Record<string, string>;
}

it('bench orchestration --json measures raw BullMQ, the loop, 64-worker scaling and memory side by side', async () => {
  const prefix = `bqe2e-bench-${randomBytes(4).toString('hex')}`;
  const r = await cli(
    [
      'bench',
      'orchestration',
      '--json',
      '--redis',
      REDIS,
      '--prefix',
      prefix,
      '--candidates',
      '300',
      '--raw-jobs',
      '1000',
      '--workers',
      '2',
      '--concurrency',
      '8',
      '--scaling-seconds',
      '1',
      '--memory',
      '--memory-candidates',
      '400',
      '--worker-jobs',
      '100',
    ],
    { timeoutMs: 120_000 },
  );
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as Report;

  expect(report.rawBullmq.count).toBe(1000);
  expect(report.rawBullmqJobsPerSecond).toBeCloseTo(report.rawBullmq.count / report.rawBullmq.seconds, 6);
  expect(report.endToEnd.count).toBe(300); // every candidate of the budget got its result
  expect(report.candidatesPerSecond).toBeCloseTo(report.endToEnd.count / report.endToEnd.seconds, 6);
  expect(report.ratio).toBeCloseTo(report.candidatesPerSecond / report.rawBullmqJobsPerSecond, 9);
  expect(report.endToEnd.database).toBe('sqlite');

  // 64 workers × 100 ms: no run can beat the ideal 640/s (a little slack for timer granularity).
  expect(report.scaling).toMatchObject({ workers: 64, jobMs: 100, idealPerSecond: 640, candidates: 640 });
  expect(report.scaling.seconds).toBeGreaterThanOrEqual(1);
  expect(report.scalingEfficiency64).toBeGreaterThan(0);
  expect(report.scalingEfficiency64).toBeLessThanOrEqual(1.05);
  expect(report.scalingEfficiency64).toBeCloseTo(report.scaling.steadyPerSecond / 640, 9);

  const m = report.memory;
  expect(m.controllerCandidates).toBe(400);
  expect(m.controllerRuns).toBe(1);
  expect(m.controllerRssMbByRun).toEqual([m.controllerRssMbAfter100k]);
  expect(m.controllerRssMbAfter100k).toBeGreaterThan(30);
  expect(m.controllerPeakRssMb).toBeGreaterThanOrEqual(m.controllerRssMbAfter100k);
  expect(m.workerRssMbSamples[0]).toEqual({ jobs: 0, rssMb: m.workerRssMbStart });
  expect(m.workerRssMbSamples.at(-1)!.jobs).toBe(100);
  expect(m.workerRssMbSamples.length).toBeGreaterThanOrEqual(5);
  expect(m.workerRssMbSamples.map((s) => s.jobs)).toEqual([...m.workerRssMbSamples.map((s) => s.jobs)].sort((a, b) => a - b));
  expect(report.versions.bullmq).toMatch(/^\d+\.\d+\.\d+/);
  expect(report.machine).toMatch(/node v\d+/);

  // The bench deletes every key it created (under its prefix and the -w / -m prefixes of the memory runs).
  expect(await keysUnder(REDIS, `${prefix}*`)).toEqual([]);
}, 150_000);
