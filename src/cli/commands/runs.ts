/** `blockqnn runs`, `status <run>` and `stop <run>`: read and steer runs through the database. */
import type { Command } from 'commander';
import type { FailureCount } from '../../common/failure-causes.js';
import type { RedisSettings } from '../../queue/redis.js';
import { type NoWorkerNotice, lookForWorker } from '../../queue/worker-hint.js';
import { compareRun, formatComparison } from '../../orchestrator/compare.js';
import { type ControllerState, controllerState, stopRun } from '../../orchestrator/controller-state.js';
import { EvaluationQueue } from '../../queue/evaluation-queue.js';
import type { Run, Store } from '../../store/index.js';
import { type ConnectionFlags, log, openStoreFrom, redisFrom, withDatabase, withRedis } from '../context.js';

export interface RunStatusReport {
  /** `error`: why a paused or failed run ended so (a systemic failure, an unreachable database, ...); null otherwise. */
  run: Pick<Run, 'id' | 'name' | 'status' | 'strategy' | 'engine' | 'seed' | 'candidateCount' | 'resultCount' | 'budget' | 'error'> & {
    createdAt: string;
    finishedAt: string | null;
  };
  /** The run's controller by the rule of orchestrator/controller-state.ts. */
  controller: { id: string | null; state: ControllerState };
  counts: Record<string, number>;
  /** The most common reasons its candidates failed (first line of the error, or the status), with counts. */
  failures: FailureCount[];
  /**
   * A running run with jobs in flight and no live worker of its engine under the prefix `status` was given:
   * the notice with the exact worker command (queue/worker-hint.ts); null otherwise, or when Redis did not answer.
   */
  workerHint: NoWorkerNotice | null;
  best: {
    hash: string;
    nsc: string;
    accuracy: number | null;
    reward: number | null;
    flops: number;
    params: number;
    density: number;
  } | null;
  /** Hand-designed baselines evaluated in the run (outside the counts above). */
  baselines: {
    name: string;
    hash: string;
    status: string;
    accuracy: number | null;
    reward: number | null;
    flops: number;
    params: number;
    density: number;
    metrics: Record<string, number> | null;
  }[];
}

export async function runStatus(store: Store, runId: string, redis?: RedisSettings): Promise<RunStatusReport> {
  const run = await store.getRun(runId);
  const counts = await store.countByStatus(runId);
  const [best] = await store.bestCandidates(runId, { limit: 1 });
  const baselines = await store.listBaselines(runId);
  const failures = await store.failureReasons(runId, 5);
  const waiting = counts.queued + counts.running > 0 && run.status === 'running';
  const workerHint = waiting && redis ? ((await lookForWorker(redis, run.engine)) ?? null) : null;
  return {
    run: {
      id: run.id,
      name: run.name,
      status: run.status,
      strategy: run.strategy,
      engine: run.engine,
      seed: run.seed,
      candidateCount: run.candidateCount,
      resultCount: run.resultCount,
      budget: run.budget,
      error: run.error,
      createdAt: run.createdAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
    },
    controller: { id: run.controllerId, state: controllerState(run) },
    counts,
    failures,
    workerHint,
    best: best
      ? {
          hash: best.hash,
          nsc: best.nsc,
          accuracy: best.accuracy,
          reward: best.reward,
          flops: best.flops,
          params: best.params,
          density: best.density,
        }
      : null,
    baselines: baselines.map((b) => ({
      name: b.baseline!,
      hash: b.hash,
      status: b.status,
      accuracy: b.accuracy,
      reward: b.reward,
      flops: b.flops,
      params: b.params,
      density: b.density,
      metrics: b.metrics,
    })),
  };
}

export async function printRunSummary(store: Store, runId: string, json: boolean, redis?: RedisSettings): Promise<void> {
  const report = await runStatus(store, runId, redis);
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const { run, controller, counts, failures, workerHint, best, baselines } = report;
  const nonzero =
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ') || 'none yet';
  const lines = [
    `run ${run.id} "${run.name}": ${run.status} · ${run.strategy} on ${run.engine} · ${run.resultCount} result(s) of ${run.candidateCount} candidate(s) (${nonzero})`,
  ];
  if (run.error !== null && (run.status === 'paused' || run.status === 'failed')) {
    lines.push(`${run.status}: ${run.error}`);
    if (run.status === 'paused') lines.push(`once that is fixed, \`blockqnn resume ${run.id}\` continues the run exactly where it paused`);
  }
  if (workerHint) lines.push(`warning: ${workerHint.message}`);
  if (failures.length > 0) {
    lines.push('failures by reason:');
    for (const f of failures) lines.push(`  ${String(f.count).padStart(5)} × ${f.reason}`);
  }
  if (controller.state === 'dead') {
    lines.push(
      `controller ${controller.id ?? '?'} is dead: \`blockqnn resume ${run.id}\` continues the run here, \`blockqnn stop ${run.id}\` stops it`,
    );
  }
  if (best) {
    lines.push(`best: ${best.nsc}`);
    lines.push(
      `      accuracy ${best.accuracy === null ? '–' : (best.accuracy * 100).toFixed(2) + '%'} · reward ${best.reward?.toFixed(4) ?? '–'} · ${(best.flops / 1e6).toFixed(2)} M multiply-adds · ${best.params.toLocaleString('en-US')} params · density ${best.density.toFixed(3)}`,
    );
  }
  if (baselines.length > 0) {
    lines.push(
      `baselines (${baselines.filter((b) => b.accuracy !== null).length}/${baselines.length} evaluated; \`blockqnn runs compare ${run.id}\` for the table):`,
    );
    for (const b of baselines) {
      lines.push(
        `  [baseline] ${b.name.padEnd(26)} ${b.status.padEnd(8)} accuracy ${b.accuracy === null ? '–' : (b.accuracy * 100).toFixed(2) + '%'} · reward ${b.reward?.toFixed(4) ?? '–'} · ${(b.flops / 1e6).toFixed(2)} M multiply-adds · ${Math.round(b.params).toLocaleString('en-US')} params`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('list runs, newest first; `runs compare <run>`: the best searched candidate beside the baselines');
  withDatabase(runs.option('--json', 'print JSON')).action(async (flags: ConnectionFlags & { json?: boolean }) => {
    const store = await openStoreFrom(flags, { existing: true });
    try {
      const runs = await store.listRuns({ limit: 100 });
      const baselines = await Promise.all(runs.map((r) => store.listBaselines(r.id)));
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify(
            runs.map((r, i) => ({
              id: r.id,
              name: r.name,
              status: r.status,
              strategy: r.strategy,
              engine: r.engine,
              candidates: r.candidateCount,
              results: r.resultCount,
              best: r.best,
              baselines: baselines[i]!.length,
              createdAt: r.createdAt,
            })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (runs.length === 0) process.stdout.write('no runs yet: start one with `blockqnn search`\n');
      for (const [i, r] of runs.entries()) {
        const n = baselines[i]!.length;
        process.stdout.write(
          `${r.id}  ${r.status.padEnd(9)} ${r.name.padEnd(16)} ${r.strategy.padEnd(20)} ${r.engine.padEnd(6)} ${String(r.resultCount).padStart(6)}/${r.candidateCount}  best reward ${r.best?.reward.toFixed(4) ?? '–'}${n > 0 ? `  + ${n} baseline(s)` : ''}\n`,
        );
      }
    } finally {
      await store.close();
    }
  });

  withDatabase(
    runs
      .command('compare')
      .description('the best searched candidate beside every baseline of a run: accuracy, FLOPs, params, density, shaped reward')
      .argument('<run>', 'run id')
      .option('--json', 'print JSON'),
  ).action(async (runId: string, _flags: unknown, command: Command) => {
    // `--db` and `--json` may land on the parent `runs` command: read both levels.
    const flags = command.optsWithGlobals<ConnectionFlags & { json?: boolean }>();
    const store = await openStoreFrom(flags, { existing: true });
    try {
      const comparison = await compareRun(store, runId);
      process.stdout.write(flags.json ? `${JSON.stringify(comparison, null, 2)}\n` : `${formatComparison(comparison)}\n`);
    } finally {
      await store.close();
    }
  });

  // --redis/--prefix: where to look for the run's workers (a running run whose jobs no live worker can take says so).
  const status = program
    .command('status')
    .description('counts by status, failure reasons and the best candidate of a run')
    .argument('<run>', 'run id');
  withRedis(withDatabase(status.option('--json', 'print JSON'))).action(
    async (runId: string, flags: ConnectionFlags & { json?: boolean }) => {
      const store = await openStoreFrom(flags, { existing: true });
      try {
        await printRunSummary(store, runId, Boolean(flags.json), redisFrom(flags));
      } finally {
        await store.close();
      }
    },
  );

  withRedis(
    withDatabase(
      program
        .command('stop')
        .description('stop a run: its controller cancels queued jobs; resume continues exactly')
        .argument('<run>', 'run id'),
    ),
  ).action(async (runId: string, flags: ConnectionFlags) => {
    const store = await openStoreFrom(flags, { existing: true });
    const queues: EvaluationQueue[] = [];
    try {
      const { outcome, run, removedJobs } = await stopRun(store, runId, {
        by: 'blockqnn stop',
        cancelJobs: (r) => {
          const queue = new EvaluationQueue(redisFrom(flags), r.engine);
          queues.push(queue);
          return queue.cancelRun(runId);
        },
      });
      if (outcome === 'stopping') log(`asked the controller of run ${runId} to stop`);
      else if (outcome === 'already') log(`run ${runId} is already ${run.status}`);
      else log(`run ${runId} had no live controller; cancelled ${removedJobs} queued job(s) and marked it stopped`);
    } finally {
      for (const queue of queues) await queue.close();
      await store.close();
    }
  });
}
