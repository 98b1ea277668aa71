/**
 * Producer side of the evaluate queue: the controller enqueues candidates,
 * hears their results, and cancels a run's jobs when it stops. Results arrive
 * by BullMQ events for low latency; `reconcile` reads job states directly so a
 * result that completed while the controller was away is never lost.
 */
import { type Job, Queue, QueueEvents } from 'bullmq';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { dropCheckpoint, getCheckpoint } from './checkpoint-handoff.js';
import {
  CANCELLED_REASON,
  type CheckpointRef,
  type EvaluateJob,
  type EvaluateJobInput,
  type EvaluateResult,
  evaluateJobId,
  evaluateQueueName,
  parseEvaluateJob,
  parseEvaluateResult,
  parseJobId,
} from './contract.js';
import type { Redis } from 'ioredis';
import { type BoardCurve, PruningBoard } from './pruning-board.js';
import { type RedisSettings, createRedis, redisOptions } from './redis.js';

/**
 * What the controller hears about a job. `lost` means the job is no longer in Redis (e.g. Redis restarted empty);
 * `cancelled`, that a stop cancelled it while a worker trained it (the job is not finished: a resume trains it again).
 */
export type JobReport =
  | { kind: 'result'; result: EvaluateResult }
  | { kind: 'failed'; runId: string; candidateHash: string; reason: string; attempts: number; workerId?: string }
  | { kind: 'cancelled'; runId: string; candidateHash: string; reason: string }
  | { kind: 'lost'; runId: string; candidateHash: string }
  | { kind: 'pending'; runId: string; candidateHash: string; state: string };

export interface EvaluationQueueOptions {
  /** Attempts before a job that throws is reported failed (exponential backoff between them). */
  attempts?: number;
  backoffMs?: number;
}

export const CANCEL_KEY = (prefix: string, runId: string): string => `${prefix}:cancel:${runId}`;

export class EvaluationQueue {
  private readonly queue: Queue;
  private events: QueueEvents | undefined;
  private readonly client: Redis;

  constructor(
    private readonly settings: RedisSettings,
    readonly engine: string,
    private readonly options: EvaluationQueueOptions = {},
  ) {
    this.queue = new Queue(evaluateQueueName(engine), { connection: redisOptions(settings), prefix: settings.prefix });
    this.queue.on('error', () => {});
    this.client = createRedis(settings);
  }

  /**
   * Calls `listener` when this process loses its connection to Redis ('down') and
   * when it has it again ('up'), once per change. Returns a function that stops listening.
   */
  watchConnection(listener: (state: 'down' | 'up') => void): () => void {
    let down = false;
    const onClose = () => {
      if (!down) listener('down');
      down = true;
    };
    const onReady = () => {
      if (down) listener('up');
      down = false;
    };
    this.client.on('close', onClose);
    this.client.on('ready', onReady);
    return () => {
      this.client.off('close', onClose);
      this.client.off('ready', onReady);
    };
  }

  /**
   * Rebuilds a run's pruning board from stored results (pruning-board.ts), after a controller crash or a
   * Redis loss and before the run's jobs are enqueued again. Idempotent: a board that survived is unchanged.
   */
  async seedPruningBoard(runId: string, curves: readonly BoardCurve[]): Promise<void> {
    await new PruningBoard(this.client, this.settings.prefix).seed(runId, curves);
  }

  /** Deletes a run's pruning board once the run is over (its recipe has `epochs` epochs). */
  async clearPruningBoard(runId: string, epochs: number): Promise<void> {
    await new PruningBoard(this.client, this.settings.prefix).clear(runId, epochs);
  }

  /** Enqueues a candidate; a second call for the same (run, candidate) is a no-op. */
  async enqueue(input: EvaluateJobInput): Promise<string> {
    return (await this.enqueueMany([input]))[0]!;
  }

  async enqueueMany(inputs: EvaluateJobInput[]): Promise<string[]> {
    const jobs = inputs.map((input) => {
      const data = parseEvaluateJob(input);
      if (data.engine !== this.engine) {
        throw new BlockqnnError(ErrorCode.INVALID_INPUT, `job for engine "${data.engine}" sent to the "${this.engine}" queue`);
      }
      const jobId = evaluateJobId(data.runId, data.candidateHash);
      return {
        name: 'evaluate',
        data,
        opts: {
          jobId,
          attempts: this.options.attempts ?? 3,
          backoff: { type: 'exponential' as const, delay: this.options.backoffMs ?? 2000 },
          // Results stay in Redis until the controller has committed them, then it removes them.
          removeOnComplete: false,
          removeOnFail: false,
        },
      };
    });
    await this.queue.addBulk(jobs);
    return jobs.map((j) => j.opts.jobId);
  }

  /** Subscribes to results of all runs on this engine's queue; returns an unsubscribe function. */
  async listen(onReport: (report: JobReport) => void): Promise<() => Promise<void>> {
    const events = new QueueEvents(evaluateQueueName(this.engine), {
      connection: redisOptions(this.settings),
      prefix: this.settings.prefix,
    });
    events.on('error', () => {});
    events.on('completed', ({ jobId, returnvalue }) => {
      const ids = parseJobId(jobId);
      if (ids) onReport(resultReport(ids, returnvalue));
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const ids = parseJobId(jobId);
      // 'failed' fires for every attempt; only the last one is final, so read the job to decide.
      // A read that fails (connection closing, Redis gone) is left to the controller's periodic reconcile.
      if (ids)
        void this.finalFailure(jobId, failedReason).then(
          (r) => r && onReport(r),
          () => undefined,
        );
    });
    await events.waitUntilReady();
    this.events = events;
    return async () => {
      await events.close();
      if (this.events === events) this.events = undefined;
    };
  }

  private async finalFailure(jobId: string, reason: string): Promise<JobReport | null> {
    const job = await this.queue.getJob(jobId);
    const ids = parseJobId(jobId)!;
    if (!job) return failedReport(ids, reason, 0);
    const state = await job.getState();
    if (state !== 'failed') return null; // it will be retried
    return failedReport(ids, job.failedReason ?? reason, job.attemptsMade, failedBy(job));
  }

  /** Current state of each (run, candidate): a finished result, a final failure, still pending, or lost. */
  async reconcile(runId: string, candidateHashes: string[]): Promise<JobReport[]> {
    return Promise.all(
      candidateHashes.map(async (candidateHash): Promise<JobReport> => {
        const id = evaluateJobId(runId, candidateHash);
        let job: Job | undefined = await this.queue.getJob(id);
        if (!job) return { kind: 'lost', runId, candidateHash };
        const state = await job.getState();
        // Reading the job and its state are two round trips: a job that finished between them was read
        // without its return value or failed reason. Read it again; its state no longer changes.
        if ((state === 'completed' && job.returnvalue == null) || (state === 'failed' && job.failedReason == null)) {
          job = await this.queue.getJob(id);
          if (!job) return { kind: 'lost', runId, candidateHash };
        }
        if (state === 'completed') return resultReport({ runId, candidateHash }, job.returnvalue);
        if (state === 'failed')
          return failedReport({ runId, candidateHash }, job.failedReason ?? 'failed', job.attemptsMade, failedBy(job));
        return { kind: 'pending', runId, candidateHash, state };
      }),
    );
  }

  /** The progress a running job last reported (epoch, loss, accuracy...), or null. */
  async progress(runId: string, candidateHash: string): Promise<Record<string, unknown> | null> {
    const job = await this.queue.getJob(evaluateJobId(runId, candidateHash));
    const p: unknown = job?.progress;
    return p && typeof p === 'object' ? (p as Record<string, unknown>) : null;
  }

  /** The checkpoint a result names, verified (checkpoint-handoff.ts). */
  fetchCheckpoint(ref: CheckpointRef): Promise<Buffer> {
    return getCheckpoint(this.client, ref);
  }

  /** Deletes a checkpoint once it is written and committed. */
  dropCheckpoint(ref: CheckpointRef): Promise<void> {
    return dropCheckpoint(this.client, ref);
  }

  /** Drops a finished job once its result is committed to the store. */
  async forget(runId: string, candidateHash: string): Promise<void> {
    await this.queue.remove(evaluateJobId(runId, candidateHash)).catch(() => 0);
  }

  /**
   * Cancels a run: removes its waiting jobs and raises the run's cancel flag,
   * which workers poll to abort the jobs they are training.
   */
  async cancelRun(runId: string, ttlSeconds = 24 * 3600): Promise<number> {
    await this.client.set(CANCEL_KEY(this.settings.prefix, runId), '1', 'EX', ttlSeconds);
    let removed = 0;
    const jobs = await this.queue.getJobs(['waiting', 'delayed', 'prioritized', 'wait']);
    for (const job of jobs) {
      if (job?.id && parseJobId(job.id)?.runId === runId) {
        await job.remove().catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }

  /** Clears a run's cancel flag (on resume). */
  async clearCancel(runId: string): Promise<void> {
    await this.client.del(CANCEL_KEY(this.settings.prefix, runId));
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
  }

  /** Removes every key of this queue (tests and `blockqnn` maintenance only). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    await this.events?.close();
    await this.queue.close();
    this.client.disconnect();
  }
}

export type { EvaluateJob };

/** The worker slot that last held a job: BullMQ stores the worker's name on each job it takes (the slot id). */
function failedBy(job: Job): { workerId?: string } {
  const id: unknown = job.processedBy;
  return typeof id === 'string' && id.length <= 200 ? { workerId: id } : {};
}

/** A job's final failure as a report: the worker's cancellation reason (contract.ts) becomes its own kind. */
function failedReport(
  ids: { runId: string; candidateHash: string },
  reason: string,
  attempts: number,
  by: { workerId?: string } = {},
): JobReport {
  if (reason === CANCELLED_REASON) return { kind: 'cancelled', ...ids, reason };
  return { kind: 'failed', ...ids, reason, attempts, ...by };
}

/**
 * A completed job's return value as a report. A value that breaks the contract
 * (a foreign or outdated worker) becomes a failure naming the problem, so one
 * bad worker can neither crash the controller nor stall the run.
 */
function resultReport(ids: { runId: string; candidateHash: string }, returnvalue: unknown): JobReport {
  try {
    const value = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
    return { kind: 'result', result: parseEvaluateResult(value) };
  } catch (error) {
    return { kind: 'failed', ...ids, reason: `the worker returned a malformed result: ${(error as Error).message}`, attempts: 1 };
  }
}
