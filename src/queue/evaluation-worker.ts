/**
 * Consumer side of the evaluate queue: one BullMQ worker per slot. It validates
 * every job against the contract (a malformed or foreign job fails at once,
 * never retried), enforces the job's time limit, aborts when the run is
 * cancelled, streams progress, keeps the slot's registry entry fresh, and on
 * shutdown either finishes its job or hands it back to the queue.
 */
import { hostname } from 'node:os';
import { DelayedError, type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { toBlockqnnError } from '../common/errors.js';
import {
  CANCELLED_REASON,
  type EvaluateJob,
  type EvaluateResult,
  JOB_CONTRACT,
  RESULT_CONTRACT,
  evaluateQueueName,
  parseEvaluateJob,
  parseEvaluateResult,
} from './contract.js';
import { checkpointTooLarge, putCheckpoint } from './checkpoint-handoff.js';
import { CANCEL_KEY } from './evaluation-queue.js';
import { PruningBoard } from './pruning-board.js';
import { type RedisSettings, createRedis, redisOptions } from './redis.js';
import { HEARTBEAT_MS, JOB_NOTE_MS, type WorkerState, redisClock, removeWorker, writeWorkerState } from './worker-registry.js';

/** What a handler returns: the result's own fields, and for a training the checkpoint's bytes (the worker moves them to Redis). */
export type EvaluationOutcome = Omit<
  EvaluateResult,
  'contract' | 'runId' | 'candidateHash' | 'worker' | 'attempt' | 'finishedAt' | 'engine' | 'checkpoint'
> & {
  checkpoint?: Uint8Array | undefined;
};

export interface JobProgress {
  epoch: number;
  epochs: number;
  loss: number | null;
  valAccuracy: number | null;
  imagesPerSecond: number | null;
}

export interface HandlerContext {
  signal: AbortSignal;
  attempt: number;
  reportProgress(progress: JobProgress): void;
  /** The runs' pruning boards on this slot's Redis connection: a job with a pruner decides its epoch ends there. */
  pruningBoard: PruningBoard;
  log(line: string): void;
}

/** Job contracts of any blockqnn version; a job of another version is handed back, anything else that breaks the contract is rejected. */
const OUR_CONTRACTS = /^blockqnn\/evaluate@\d+$/;
/** How long close() waits for Redis beyond the grace period before it stops regardless. */
const CLOSE_MARGIN_MS = 3000;

/** A value after `ms`, on a timer that does not keep the process alive by itself. */
const delay = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());

/** How long a job handed back for version mismatch waits, so that workers of the right version take it first. */
const VERSION_MISMATCH_DELAY_MS = 1000;

export type EvaluationHandler = (job: EvaluateJob, context: HandlerContext) => Promise<EvaluationOutcome>;

export interface EvaluationWorkerOptions {
  engine: string;
  engineDescription: string;
  slot: string;
  gpu?: number | null;
  /** Lock held while training; renewed automatically. A worker that dies loses its lock and the job is retried. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  cancelPollMs?: number;
  concurrency?: number;
  /** Where a rejected job (malformed, foreign, for another engine) is reported, besides its failed reason in Redis. */
  log?: (line: string) => void;
}

export class EvaluationWorker {
  private readonly worker: Worker;
  private readonly client: Redis;
  private readonly board: PruningBoard;
  private readonly state: WorkerState;
  /** Jobs in training, by job id, with their run (whose cancel flag the poll watches). */
  private readonly active = new Map<string, { runId: string; controller: AbortController }>();
  private heartbeat: NodeJS.Timeout | undefined;
  private cancelPoll: NodeJS.Timeout | undefined;
  private noteTimer: NodeJS.Timeout | undefined;
  /** Redis server clock minus this host's, as of the last heartbeat. */
  private clockOffsetMs = 0;
  private handingBack = false;
  private closing = false;

  constructor(
    private readonly settings: RedisSettings,
    private readonly handler: EvaluationHandler,
    private readonly options: EvaluationWorkerOptions,
  ) {
    const now = Date.now();
    this.state = {
      id: `${hostname()}:${process.pid}:${options.slot}`,
      host: hostname(),
      pid: process.pid,
      slot: options.slot,
      gpu: options.gpu ?? null,
      engine: options.engine,
      engineDescription: options.engineDescription,
      startedAt: now,
      heartbeatAt: now,
      currentJob: null,
      jobsDone: 0,
    };
    this.client = createRedis(settings);
    this.board = new PruningBoard(this.client, settings.prefix);
    this.worker = new Worker(evaluateQueueName(options.engine), (job, token) => this.process(job, token), {
      connection: redisOptions(settings),
      prefix: settings.prefix,
      concurrency: options.concurrency ?? 1,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 2,
      autorun: false,
      // Stored on each job it takes (job.processedBy): a final failure names the slot that failed it last.
      name: this.state.id,
    });
    this.worker.on('error', () => {});
  }

  get id(): string {
    return this.state.id;
  }

  async start(): Promise<void> {
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat().catch(() => undefined), HEARTBEAT_MS);
    this.cancelPoll = setInterval(() => this.pollCancelled(), this.options.cancelPollMs ?? 1000);
    void this.worker.run();
    await this.worker.waitUntilReady();
  }

  /** The periodic heartbeat: reads the Redis server's clock (learning this host's offset from it) and writes the entry. */
  private async beat(): Promise<void> {
    const now = await redisClock(this.client);
    // A beat that read the clock before close() must not write the entry back after close() removed it.
    if (this.closing) return;
    this.clockOffsetMs = now - Date.now();
    this.state.heartbeatAt = now;
    await writeWorkerState(this.client, this.settings.prefix, this.state);
  }

  /**
   * A job started or ended: the registry shows it within JOB_NOTE_MS. Changes are coalesced into
   * one write stamped with the Redis clock as the last heartbeat measured it, so a slot turning
   * over thousands of table lookups a second does not pay two round trips per job.
   */
  private noteJobChange(): void {
    if (this.noteTimer !== undefined || this.closing) return;
    this.noteTimer = setTimeout(() => {
      this.noteTimer = undefined;
      if (this.closing) return;
      this.state.heartbeatAt = Date.now() + this.clockOffsetMs;
      void writeWorkerState(this.client, this.settings.prefix, this.state).catch(() => undefined);
    }, JOB_NOTE_MS);
  }

  /**
   * Aborts the jobs of stopped runs: one look per run in training, however many jobs it has here.
   * A job is not checked before it starts: a round trip in front of every job would idle the slot
   * for it (at table speed, a tenth of a 100 ms job); a job of a stopped run is aborted within a poll.
   */
  private pollCancelled(): void {
    const runs = new Set([...this.active.values()].map((a) => a.runId));
    for (const runId of runs) {
      void this.client.exists(CANCEL_KEY(this.settings.prefix, runId)).then(
        (n) => {
          if (!n) return;
          for (const a of this.active.values()) if (a.runId === runId) a.controller.abort('cancelled');
        },
        () => undefined,
      );
    }
  }

  private async process(job: Job, token: string | undefined): Promise<EvaluateResult> {
    const contract = (job.data as { contract?: unknown } | null)?.contract;
    if (typeof contract === 'string' && contract !== JOB_CONTRACT && OUR_CONTRACTS.test(contract)) {
      // A blockqnn job of another version: a worker of that version can train it, this one must not fail it.
      this.options.log?.(
        `slot ${this.options.slot}: job ${job.id} speaks ${contract}, this worker ${JOB_CONTRACT}: handed back for a worker of the run's version (upgrade or downgrade this one)`,
      );
      await job.moveToDelayed(Date.now() + VERSION_MISMATCH_DELAY_MS, token);
      throw new DelayedError();
    }
    let data: EvaluateJob;
    try {
      data = parseEvaluateJob(job.data);
    } catch (error) {
      throw this.reject(`rejected job ${job.id}: ${toBlockqnnError(error).message}`);
    }
    if (data.engine !== this.options.engine) {
      throw this.reject(`rejected job ${job.id}: it needs engine "${data.engine}", this worker runs "${this.options.engine}"`);
    }

    const controller = new AbortController();
    const startedAt = Date.now();
    this.active.set(job.id!, { runId: data.runId, controller });
    const limit = setTimeout(() => controller.abort('time-limit'), data.timeLimitSeconds * 1000);
    this.state.currentJob = {
      jobId: job.id!,
      runId: data.runId,
      candidateHash: data.candidateHash,
      epoch: 0,
      epochs: data.task.kind === 'classification' ? data.task.recipe.epochs : 1,
      loss: null,
      valAccuracy: null,
      imagesPerSecond: null,
    };
    this.noteJobChange();
    try {
      const outcome = await this.handler(data, {
        signal: controller.signal,
        attempt: job.attemptsMade + 1,
        pruningBoard: this.board,
        log: (line) => this.options.log?.(`slot ${this.options.slot}: ${line}`),
        reportProgress: (p) => {
          this.state.currentJob = { ...this.state.currentJob!, ...p };
          void job.updateProgress({ ...p }).catch(() => undefined);
        },
      });
      if (controller.signal.aborted) return await this.aborted(job, token, controller.signal.reason, data, startedAt);
      this.state.jobsDone++;
      return parseEvaluateResult({
        ...(await this.handOver(job.id!, data, outcome)),
        contract: RESULT_CONTRACT,
        runId: data.runId,
        candidateHash: data.candidateHash,
        worker: { id: this.state.id, host: this.state.host, pid: this.state.pid },
        engine: { name: this.options.engine, description: this.options.engineDescription },
        attempt: job.attemptsMade + 1,
        startedAt,
        finishedAt: Date.now(),
      });
    } catch (error) {
      if (controller.signal.aborted) return await this.aborted(job, token, controller.signal.reason, data, startedAt);
      throw error;
    } finally {
      clearTimeout(limit);
      this.active.delete(job.id!);
      this.state.currentJob = null;
      this.noteJobChange();
    }
  }

  /**
   * The result fields of an outcome, its checkpoint moved to Redis when the job asked
   * for one. A missing or oversized checkpoint fails the job (nothing is stored);
   * the curve and accuracy stay in the result so the training is not a blank.
   */
  private async handOver(
    jobId: string,
    data: EvaluateJob,
    outcome: EvaluationOutcome,
  ): Promise<Omit<EvaluateResult, 'contract' | 'runId' | 'candidateHash' | 'worker' | 'attempt' | 'finishedAt' | 'engine'>> {
    const { checkpoint: bytes, ...fields } = outcome;
    if (!data.checkpoint || fields.status !== 'ok') return fields;
    if (!bytes)
      return { ...fields, status: 'failed', error: `engine ${this.options.engine} returned no checkpoint for a job that asked for one` };
    if (bytes.length > data.checkpoint.maxBytes) {
      const error = checkpointTooLarge(bytes.length, data.checkpoint.maxBytes);
      return { ...fields, status: 'failed', error: error.describe().slice(0, 4000) };
    }
    return { ...fields, checkpoint: await putCheckpoint(this.client, this.settings.prefix, jobId, bytes, data.checkpoint.ttlSeconds) };
  }

  /** A job this worker must never run: logged here, failed in Redis without retries. */
  private reject(reason: string): UnrecoverableError {
    this.options.log?.(`slot ${this.options.slot}: ${reason}`);
    return new UnrecoverableError(reason);
  }

  private async aborted(
    job: Job,
    token: string | undefined,
    reason: unknown,
    data: EvaluateJob,
    startedAt: number,
  ): Promise<EvaluateResult> {
    if (reason === 'cancelled') throw new UnrecoverableError(CANCELLED_REASON);
    if (reason === 'hand-back') {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    return parseEvaluateResult({
      contract: RESULT_CONTRACT,
      runId: data.runId,
      candidateHash: data.candidateHash,
      status: 'failed',
      accuracy: null,
      curve: [],
      trainSeconds: data.timeLimitSeconds,
      evalSeconds: 0,
      imagesPerSecond: null,
      error: `time limit of ${data.timeLimitSeconds} s exceeded`,
      worker: { id: this.state.id, host: this.state.host, pid: this.state.pid },
      engine: { name: this.options.engine, description: this.options.engineDescription },
      attempt: job.attemptsMade + 1,
      startedAt,
      finishedAt: Date.now(),
    });
  }

  /**
   * Stops the worker. Graceful: wait up to `graceMs` for the current job to
   * finish, then hand it back to the queue so another worker takes it at once.
   */
  async close(graceMs = 30_000): Promise<void> {
    clearInterval(this.heartbeat);
    clearTimeout(this.noteTimer);
    this.closing = true;
    const closing = this.worker.close();
    const timer = setTimeout(() => {
      this.handingBack = true;
      for (const { controller } of this.active.values()) controller.abort('hand-back');
    }, graceMs);
    // With Redis unreachable neither BullMQ's close nor a hand-back can finish: after the grace and a margin,
    // stop anyway. The job's lock then lapses in Redis and another worker takes it once Redis is back.
    const gaveUp = await Promise.race([closing.then(() => false), delay(graceMs + CLOSE_MARGIN_MS, true)]);
    clearTimeout(timer);
    if (gaveUp) {
      this.options.log?.(
        `slot ${this.options.slot}: Redis did not answer within ${Math.round((graceMs + CLOSE_MARGIN_MS) / 1000)} s; stopping without handing back (another worker takes the job when its lock lapses)`,
      );
      void this.worker.close(true).catch(() => undefined);
    } else {
      await Promise.race([
        removeWorker(this.client, this.settings.prefix, this.state.id).catch(() => undefined),
        delay(CLOSE_MARGIN_MS, undefined),
      ]);
    }
    // Jobs finishing within the grace were still watched for a stop.
    clearInterval(this.cancelPoll);
    this.client.disconnect();
  }

  get handedBack(): boolean {
    return this.handingBack;
  }
}
