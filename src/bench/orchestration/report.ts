/** What `bench orchestration` takes and reports, and the report as text. */
export interface OrchestrationBenchOptions {
  redisUrl: string;
  /** Key prefix of everything the bench puts in Redis (deleted afterwards); default: bench-orch-RANDOM. */
  prefix?: string | undefined;
  /** Database URL; default: a fresh SQLite file, removed afterwards. */
  db?: string | undefined;
  /** NAS-Bench-201 table (CSV) for the table engine. */
  table: string;
  fitness: string;
  /** Candidates of the end-to-end run. */
  candidates: number;
  /** Jobs of the raw BullMQ run. */
  rawJobs: number;
  /** In-process worker instances and the concurrency of each (end to end and raw BullMQ alike). */
  workers: number;
  concurrency: number;
  maxInFlight: number;
  strategy: string;
  /** Length of the 64-worker scaling run, seconds. */
  scalingSeconds: number;
  memory: boolean;
  memoryCandidates: number;
  workerJobs: number;
  log: (line: string) => void;
}

export interface ThroughputFigure {
  count: number;
  seconds: number;
  perSecond: number;
}

export interface OrchestrationBenchReport {
  candidatesPerSecond: number;
  rawBullmqJobsPerSecond: number;
  ratio: number;
  scalingEfficiency64: number;
  endToEnd: ThroughputFigure & {
    steadyPerSecond: number;
    strategy: string;
    workers: number;
    concurrency: number;
    maxInFlight: number;
    database: string;
  };
  rawBullmq: ThroughputFigure & { workers: number; concurrency: number };
  scaling: {
    workers: number;
    jobMs: number;
    idealPerSecond: number;
    perSecond: number;
    steadyPerSecond: number;
    overallEfficiency: number;
    candidates: number;
    seconds: number;
  };
  memory?: {
    controllerRssMbAfter100k: number;
    controllerCandidates: number;
    controllerRuns: number;
    controllerRssMbByRun: number[];
    /** Highest RSS of the controller process (getrusage maxrss). */
    controllerPeakRssMb: number;
    controllerSeconds: number;
    workerRssMbStart: number;
    workerRssMbEnd: number;
    workerRssMbSamples: { jobs: number; rssMb: number }[];
  };
  targets: { ratio: number; candidatesPerSecond: number; scalingEfficiency64: number; controllerRssMb: number };
  machine: string;
  versions: Record<string, string>;
}

const check = (ok: boolean) => (ok ? 'meets' : 'MISSES');

export function formatOrchestrationBench(r: OrchestrationBenchReport): string {
  const lines = [
    `orchestration throughput on ${r.machine}; bullmq ${r.versions.bullmq}, prisma ${r.versions.prisma}, ${r.versions.database}`,
    `raw BullMQ (no-op jobs)          ${r.rawBullmqJobsPerSecond.toFixed(0).padStart(7)} jobs/s  (${r.rawBullmq.count} jobs, ${r.rawBullmq.workers} × ${r.rawBullmq.concurrency})`,
    `controller + queue + store       ${r.candidatesPerSecond.toFixed(0).padStart(7)} candidates/s  (${r.endToEnd.count} candidates, ${r.endToEnd.strategy}, steady ${r.endToEnd.steadyPerSecond.toFixed(0)}/s) — ${check(r.candidatesPerSecond >= r.targets.candidatesPerSecond)} the ${r.targets.candidatesPerSecond}/s target`,
    `ratio to raw BullMQ              ${r.ratio.toFixed(3).padStart(7)}  — ${check(r.ratio >= r.targets.ratio)} the ${r.targets.ratio} target`,
    `64 workers × 100 ms jobs         ${r.scaling.steadyPerSecond.toFixed(0).padStart(7)}/s of ${r.scaling.idealPerSecond}/s ideal: efficiency ${(100 * r.scalingEfficiency64).toFixed(1)}% (overall incl. start and drain ${(100 * r.scaling.overallEfficiency).toFixed(1)}%) — ${check(r.scalingEfficiency64 >= r.targets.scalingEfficiency64)} the 95% target`,
  ];
  if (r.memory) {
    const m = r.memory;
    lines.push(
      `controller RSS after ${m.controllerCandidates} candidates (${m.controllerRuns} runs) ${m.controllerRssMbAfter100k} MB, peak ${m.controllerPeakRssMb} MB; by run: ${m.controllerRssMbByRun.join(', ')} MB — ${check(m.controllerRssMbAfter100k < r.targets.controllerRssMb)} the ${r.targets.controllerRssMb} MB target`,
      `worker slot RSS across ${m.workerRssMbSamples[m.workerRssMbSamples.length - 1]!.jobs} jobs: ${m.workerRssMbStart} → ${m.workerRssMbEnd} MB (${m.workerRssMbSamples.map((s) => `${s.jobs}:${s.rssMb}`).join(' ')})`,
    );
  } else {
    lines.push('memory: run with --memory (about 100,000 candidates; a few minutes)');
  }
  return lines.join('\n');
}
