/**
 * What the routes share: the store, one Redis connection for the worker
 * registry, one queue handle per engine (for counts and cancelling), the run
 * digests, and the controllers this process drives. Also the conversions from
 * store records to API rows.
 */
import type { Redis } from 'ioredis';
import { type ControllerState, controllerState, runActions } from '../orchestrator/controller-state.js';
import { EvaluationQueue } from '../queue/evaluation-queue.js';
import { type RedisSettings, createRedis } from '../queue/redis.js';
import { type NoWorkerNotice, noWorkerNotice, noWorkerWarnAfterMs } from '../queue/worker-hint.js';
import { listWorkers } from '../queue/worker-registry.js';
import type { Candidate, Run, Store } from '../store/index.js';
import type { CandidateRow, QueueCounts, RunOverview, RunSummary } from './api-types.js';
import type { SpaceName } from './block-graph.js';
import { runSpaceOf } from '../search-space/index.js';
import { strategies } from '../controller/index.js';
import { RunDigest } from './run-digest.js';

export class Services {
  readonly redis: Redis;
  private readonly queues = new Map<string, EvaluationQueue>();
  private readonly digests = new Map<string, RunDigest>();
  /** Train seconds of runs without a digest, by run, valid while its result count stays the same. */
  private readonly trainSeconds = new Map<string, { results: number; seconds: number }>();
  /** Runs whose controller runs in this process, with the means to stop it. */
  private closed = false;
  /** Running runs with jobs in flight and no live worker of their engine: since when (ms), for the notice's grace period. */
  private readonly unserved = new Map<string, number>();
  readonly controllers = new Map<string, { stop: AbortController; done: Promise<unknown> }>();

  constructor(
    readonly store: Store,
    readonly redisSettings: RedisSettings,
  ) {
    this.redis = createRedis(redisSettings);
  }

  queue(engine: string): EvaluationQueue {
    let q = this.queues.get(engine);
    if (!q) this.queues.set(engine, (q = new EvaluationQueue(this.redisSettings, engine)));
    return q;
  }

  async queueCounts(engine: string): Promise<QueueCounts | null> {
    try {
      const c = await this.queue(engine).counts();
      return {
        waiting: c.waiting ?? 0,
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
        prioritized: c.prioritized ?? 0,
      };
    } catch {
      return null;
    }
  }

  digest(run: Run): RunDigest {
    let d = this.digests.get(run.id);
    if (!d) this.digests.set(run.id, (d = new RunDigest(this.store, run.id, spaceOf(run))));
    return d;
  }

  /**
   * Builds the chart digests of the newest runs in the background (one at a
   * time), so the first visitor of a big run does not wait for its digest.
   */
  async warmDigests(limit: number, log: (line: string) => void): Promise<void> {
    if (limit < 1) return;
    try {
      for (const run of await this.store.listRuns({ limit })) {
        if (this.closed) return;
        await this.digest(run).get(run);
      }
    } catch (error) {
      log(`dashboard: warming chart digests failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async summary(run: Run): Promise<RunSummary> {
    const [bestAcc] = run.resultCount > 0 ? await this.store.bestCandidates(run.id, { by: 'accuracy', limit: 1 }) : [];
    const config = run.config as {
      space?: string;
      task?: { kind?: string; dataset?: { name?: string }; table?: string };
      baselines?: { names?: unknown[] };
    };
    const task = config.task;
    const dataset =
      task?.kind === 'lookup'
        ? `table ${String(task.table ?? '')
            .split('/')
            .pop()}`
        : (task?.dataset?.name ?? '?');
    const slotSeconds = await this.slotSeconds(run);
    return {
      id: run.id,
      name: run.name,
      status: run.status,
      strategy: run.strategy,
      strategyDescription: strategies.has(run.strategy) ? strategies.get(run.strategy).description : null,
      engine: run.engine,
      space: config.space ?? 'nsc',
      dataset,
      candidateCount: run.candidateCount,
      resultCount: run.resultCount,
      budget: run.budget,
      progress: run.budget.candidates ? Math.min(1, run.resultCount / run.budget.candidates) : null,
      bestReward: run.best?.reward ?? null,
      bestAccuracy: bestAcc?.accuracy ?? null,
      slotHours: slotSeconds / 3600,
      controllerId: run.controllerId,
      controllerAlive: this.controllerOf(run) === 'alive',
      controller: this.controllerOf(run),
      actions: runActions(run.status, this.controllerOf(run)),
      drivenHere: this.controllers.has(run.id),
      error: run.error,
      createdAt: run.createdAt.toISOString(),
      startedAt: run.startedAt?.toISOString() ?? null,
      finishedAt: run.finishedAt?.toISOString() ?? null,
      baselineCount: Array.isArray(config.baselines?.names) ? config.baselines.names.length : 0,
    };
  }

  /**
   * Train seconds over the run's results: from its chart digest when one is
   * built (the run's page was opened), else summed in the database once per
   * result count, so the runs list shows slot-hours for every run.
   */
  private async slotSeconds(run: Run): Promise<number> {
    const digest = this.digests.get(run.id);
    if (digest?.built) return digest.trainSeconds;
    const known = this.trainSeconds.get(run.id);
    if (known && known.results === run.resultCount) return known.seconds;
    const seconds = await this.store.trainSeconds(run.id);
    this.trainSeconds.set(run.id, { results: run.resultCount, seconds });
    return seconds;
  }

  /** The run's controller by the one rule (controller-state.ts); one this process drives is alive before it writes its row. */
  controllerOf(run: Run): ControllerState {
    return this.controllers.has(run.id) ? 'alive' : controllerState(run);
  }

  async overview(runId: string): Promise<RunOverview> {
    const run = await this.store.getRun(runId);
    const [summary, counts, queue] = await Promise.all([this.summary(run), this.store.countByStatus(runId), this.queueCounts(run.engine)]);
    return { run: summary, counts, queue, workerHint: await this.workerHint(run, counts.queued + counts.running) };
  }

  /**
   * The no-worker notice of a running run with jobs in flight, once no live worker of its engine has been seen
   * for the warning period (the CLI's watcher waits as long): a run whose workers are still starting shows none.
   */
  private async workerHint(run: Run, inFlight: number): Promise<NoWorkerNotice | null> {
    if (run.status !== 'running' || inFlight === 0) {
      this.unserved.delete(run.id);
      return null;
    }
    let workers: Awaited<ReturnType<typeof listWorkers>>;
    try {
      workers = await listWorkers(this.redis, this.redisSettings.prefix);
    } catch {
      return null; // Redis away: the page says the queue is unreachable already
    }
    const now = Date.now();
    const since = this.unserved.get(run.id) ?? now;
    // Without the seconds waited: the stream sends the overview only when it changes.
    const notice = noWorkerNotice(workers, run.engine, this.redisSettings);
    if (notice === null) this.unserved.delete(run.id);
    else this.unserved.set(run.id, since);
    return notice !== null && now - since >= noWorkerWarnAfterMs() ? notice : null;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queues.values()) await q.close().catch(() => undefined);
    this.redis.disconnect();
  }
}

/** The run's space; runs stored before spaces were named are NSC runs. */
export function spaceOf(run: Run): SpaceName {
  return runSpaceOf(run.config).name;
}

export function candidateRow(c: Candidate): CandidateRow {
  return {
    hash: c.hash,
    sequence: c.sequence,
    nsc: c.nsc,
    status: c.status,
    accuracy: c.accuracy,
    reward: c.reward,
    flops: c.flops,
    params: c.params,
    density: c.density,
    trainSeconds: c.trainSeconds,
    workerId: c.workerId,
    engine: c.engine,
    attempts: c.attempts,
    fromCache: c.fromCache,
    createdAt: c.createdAt.toISOString(),
    finishedAt: c.finishedAt?.toISOString() ?? null,
    baseline: c.baseline,
    metrics: c.metrics,
  };
}
