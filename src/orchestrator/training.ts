/**
 * A final training's life outside the worker: submit (a Training row, then a
 * `train` job on the engine's queue, the same queue GPU workers serve), follow
 * its progress, collect its result and checkpoint, cancel it. Collecting is
 * idempotent and needs nothing but the store, Redis and the store's checkpoint
 * folder, so
 * the watching CLI, `blockqnn trainings` and the dashboard can all do it; a
 * `--detach`ed training is collected by whichever looks first.
 *
 * The checkpoint comes back through Redis (queue/checkpoint-handoff.ts): it is
 * fetched, checked (size, sha-256, and that it is a checkpoint of this very
 * IR), written atomically to the store's checkpoint folder under a name unique
 * across databases (engines/checkpoint.ts, never replacing a file), the result
 * is committed with that name, and only then are the Redis key and
 * the job deleted — a crash at any point leaves the result collectable again.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BlockqnnError, ErrorCode, toBlockqnnError } from '../common/errors.js';
import { noCheckpointDirectory } from '../common/checkpoint-dir.js';
import { irDigest, readCheckpoint, saveCheckpointBytes, trainingCheckpointName } from '../engines/checkpoint.js';
import { JOB_CONTRACT, trainingScope } from '../queue/contract.js';
import type { EvaluationQueue, JobReport } from '../queue/evaluation-queue.js';
import type { NetworkIr } from '../search-space/index.js';
import type { Store, Training, TrainingDetail } from '../store/index.js';
import type { TrainingPlan } from './training-plan.js';

/** The job's candidate hash: the trained IR's digest, so a job id names exactly what is trained. */
export function trainingJobHash(ir: NetworkIr): string {
  return createHash('sha256').update(JSON.stringify(ir)).digest('hex').slice(0, 32);
}

/** Stores the training and enqueues its job; a job that cannot be enqueued leaves the training failed, not queued forever. */
export async function submitTraining(store: Store, queue: EvaluationQueue, plan: TrainingPlan): Promise<TrainingDetail> {
  if (queue.engine !== plan.engine)
    throw new BlockqnnError(ErrorCode.INTERNAL, `training for engine ${plan.engine} handed to the ${queue.engine} queue`);
  const training = await store.trainings.create({
    runId: plan.runId,
    candidateId: plan.candidateId,
    baseline: plan.candidateId === null ? plan.baseline : null,
    engine: plan.engine,
    seed: plan.seed,
    config: plan.config,
    ir: plan.ir,
    flops: plan.flops,
    params: plan.params,
  });
  try {
    await queue.enqueue({
      contract: JOB_CONTRACT,
      runId: trainingScope(training.id),
      candidateHash: trainingJobHash(training.ir),
      ir: training.ir,
      task: plan.task,
      engine: plan.engine,
      seed: plan.seed,
      timeLimitSeconds: plan.timeLimitSeconds,
      purpose: 'train',
      evaluateOn: 'test',
      checkpoint: plan.checkpointMaxBytes !== undefined ? { maxBytes: plan.checkpointMaxBytes } : {},
    });
  } catch (error) {
    await store.trainings.commitResult(training.id, { status: 'failed', error: `could not enqueue: ${toBlockqnnError(error).message}` });
    throw error;
  }
  return training;
}

export interface TrainingProgress {
  epoch: number;
  epochs: number;
  loss: number | null;
  valAccuracy: number | null;
  imagesPerSecond: number | null;
}

const OPEN = new Set(['queued', 'running']);

/**
 * Brings one training's row up to date with its job: running, or its result
 * committed (with the checkpoint written), or failed when the job is gone.
 * Returns the training as stored afterwards.
 */
export async function collectTraining(store: Store, queue: EvaluationQueue, id: number): Promise<Training> {
  const training = await store.trainings.get(id);
  if (!OPEN.has(training.status)) return training;
  const scope = trainingScope(id);
  const hash = trainingJobHash(training.ir);
  const [report] = await queue.reconcile(scope, [hash]);
  await applyReport(store, queue, training, report!);
  return store.trainings.get(id);
}

async function applyReport(store: Store, queue: EvaluationQueue, training: TrainingDetail, report: JobReport): Promise<void> {
  const id = training.id;
  switch (report.kind) {
    case 'pending':
      if (report.state === 'active' && training.status === 'queued') await store.trainings.markRunning(id, null);
      return;
    case 'lost':
      await store.trainings.commitResult(id, {
        status: 'failed',
        error: 'the training job is no longer in Redis (Redis restarted empty, or its keys were deleted)',
      });
      return;
    case 'cancelled':
    case 'failed':
      await store.trainings.commitResult(id, { status: report.kind, error: report.reason.slice(0, 10_000) });
      await queue.forget(report.runId, report.candidateHash);
      return;
    case 'result': {
      const r = report.result;
      let checkpointPath: string | null = null;
      // A final training carries no pruner, so nothing can prune it; a worker that says so anyway failed it.
      let status = r.status === 'pruned' ? ('failed' as const) : r.status;
      let error =
        r.status === 'pruned'
          ? `a worker reported the final training pruned after ${r.curve.length} epoch(s), but it carries no pruner`
          : (r.error ?? null);
      if (r.checkpoint) {
        // Without a folder the result stays collectable: set it and collect again.
        const folder = store.trainings.checkpointDir;
        if (folder === null) throw noCheckpointDirectory();
        try {
          const bytes = await queue.fetchCheckpoint(r.checkpoint);
          const parsed = readCheckpoint(bytes);
          if (parsed.metadata.ir !== irDigest(training.ir))
            throw new BlockqnnError(
              ErrorCode.INVALID_INPUT,
              `the worker's checkpoint is for IR ${parsed.metadata.ir.slice(0, 12)}…, not this training's`,
            );
          const name = trainingCheckpointName(id, bytes);
          await saveCheckpointBytes(join(folder, name), bytes);
          checkpointPath = name;
        } catch (e) {
          const problem = toBlockqnnError(e);
          if (problem.code === 'IO_ERROR' && /cannot write/.test(problem.message)) throw problem; // fix the disk and collect again
          status = 'failed';
          error = `the checkpoint could not be kept: ${problem.message}`;
        }
      }
      await store.trainings.commitResult(id, {
        status,
        accuracy: r.accuracy,
        curve: r.curve,
        trainSeconds: r.trainSeconds,
        evalSeconds: r.evalSeconds,
        workerId: r.worker.id,
        checkpointPath,
        metrics: r.extra ?? null,
        error,
      });
      if (r.checkpoint) await queue.dropCheckpoint(r.checkpoint);
      await queue.forget(report.result.runId, report.result.candidateHash);
      return;
    }
  }
}

/** Collects every open training (of this engine's queue); returns how many changed. */
export async function collectOpenTrainings(store: Store, queueFor: (engine: string) => EvaluationQueue): Promise<number> {
  let changed = 0;
  for (const t of await store.trainings.list({ status: ['queued', 'running'], limit: 1000 })) {
    const after = await collectTraining(store, queueFor(t.engine), t.id);
    if (after.status !== t.status) changed++;
  }
  return changed;
}

/** The progress the running job last reported, or null. */
export async function trainingProgress(queue: EvaluationQueue, training: TrainingDetail): Promise<TrainingProgress | null> {
  const p = await queue.progress(trainingScope(training.id), trainingJobHash(training.ir));
  if (!p || typeof p.epoch !== 'number' || typeof p.epochs !== 'number') return null;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { epoch: p.epoch, epochs: p.epochs, loss: num(p.loss), valAccuracy: num(p.valAccuracy), imagesPerSecond: num(p.imagesPerSecond) };
}

/**
 * Cancels a training: a waiting job is removed and the training marked
 * cancelled at once; a running one is aborted by its worker within a second
 * (the cancel flag), and the next collect records it as cancelled.
 */
export async function cancelTraining(store: Store, queue: EvaluationQueue, id: number): Promise<Training> {
  const training = await store.trainings.get(id);
  if (!OPEN.has(training.status)) return training;
  const removed = await queue.cancelRun(trainingScope(id));
  if (removed > 0) await store.trainings.commitResult(id, { status: 'cancelled', error: 'cancelled before it started' });
  return store.trainings.get(id);
}

export interface WatchOptions {
  pollMs?: number;
  onProgress?: (progress: TrainingProgress) => void;
  /** Aborting stops watching (the caller decides whether to cancel the training). */
  signal?: AbortSignal;
}

/** Polls until the training has its result (collecting it), reporting each new epoch. */
export async function watchTraining(store: Store, queue: EvaluationQueue, id: number, options: WatchOptions = {}): Promise<Training> {
  const detail = await store.trainings.get(id);
  let lastEpoch = -1;
  for (;;) {
    const training = await collectTraining(store, queue, id);
    if (!OPEN.has(training.status) || options.signal?.aborted) return training;
    const progress = await trainingProgress(queue, detail);
    if (progress && progress.epoch !== lastEpoch) {
      lastEpoch = progress.epoch;
      options.onProgress?.(progress);
    }
    await pause(options.pollMs ?? 1000, options.signal);
  }
}

/** Waits `ms`, or less if `signal` aborts; the listener goes with the wait, so long watches do not pile them up. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
