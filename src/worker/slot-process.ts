/**
 * One worker slot in its own process: an engine behind an EvaluationWorker.
 * The supervisor starts it with CUDA_VISIBLE_DEVICES pinned; SIGTERM/SIGINT
 * finish the current job (or hand it back after the grace period) and exit.
 */
import { z } from 'zod';
import { toBlockqnnError } from '../common/errors.js';
import { setPackFetcher } from '../datasets/index.js';
import { createEngine } from '../engines/registry.js';
import { fetchPack } from '../queue/dataset-transfer.js';
import { type EvaluationHandler, EvaluationWorker } from '../queue/evaluation-worker.js';
import { engineHandler } from './handler.js';
import type { SlotJobReport } from './packing.js';

export const slotConfigSchema = z.strictObject({
  redisUrl: z.string(),
  prefix: z.string(),
  engine: z.string(),
  slot: z.string(),
  gpu: z.number().int().nullable(),
  graceMs: z.number().int().nonnegative(),
  lockDurationMs: z.number().int().positive().optional(),
  stalledIntervalMs: z.number().int().positive().optional(),
});

export type SlotConfig = z.infer<typeof slotConfigSchema>;

export type SlotLog = (line: string) => void;

export async function runSlot(config: SlotConfig, log: SlotLog): Promise<() => Promise<void>> {
  // A job's user dataset is named by its pack's sha-256: one this host lacks comes from the run's Redis.
  setPackFetcher(async (sha256, dest) => {
    log(`slot ${config.slot}: fetching dataset pack ${sha256.slice(0, 12)} from Redis`);
    await fetchPack({ url: config.redisUrl, prefix: config.prefix }, sha256, dest);
  });
  const engine = await createEngine(config.engine);
  const worker = new EvaluationWorker({ url: config.redisUrl, prefix: config.prefix }, reportingJobs(engineHandler(engine), config.slot), {
    engine: config.engine,
    engineDescription: engine.describe(),
    slot: config.slot,
    gpu: config.gpu,
    log,
    ...(config.lockDurationMs ? { lockDurationMs: config.lockDurationMs } : {}),
    ...(config.stalledIntervalMs ? { stalledIntervalMs: config.stalledIntervalMs } : {}),
  });
  await worker.start();
  log(`slot ${config.slot} ready: ${engine.describe()} (worker ${worker.id})`);
  return async () => {
    await worker.close(config.graceMs);
    await engine.close?.();
    log(`slot ${config.slot} stopped${worker.handedBack ? ' (handed its job back)' : ''}`);
  };
}

/**
 * Tells the supervisor (over the IPC channel `fork` opened, when there is one) about every job the slot
 * finished: its training images/s and peak GPU memory, which `--slots-per-gpu auto` measures.
 */
function reportingJobs(handler: EvaluationHandler, slot: string): EvaluationHandler {
  return async (job, context) => {
    const startedAt = Date.now();
    const outcome = await handler(job, context);
    const report: SlotJobReport = {
      slot,
      startedAt,
      finishedAt: Date.now(),
      imagesPerSecond: outcome.imagesPerSecond,
      peakGpuMemoryBytes: outcome.extra?.peakGpuMemoryBytes ?? null,
    };
    if (process.connected) process.send?.({ type: 'job', report }, undefined, undefined, () => {});
    return outcome;
  };
}

/** Entry point of the child process: `node slot-main.js '<config JSON>'`. */
export async function slotMain(argv: string[]): Promise<void> {
  const log: SlotLog = (line) => process.stderr.write(`${line}\n`);
  // The handlers go in before the slot starts: a SIGTERM that arrives while the slot is still starting (its registry
  // entry may already be written) must stop it cleanly once started, not kill it with its entry left behind.
  let stop: (() => Promise<void>) | undefined;
  let stopRequested = false;
  let stopping = false;
  const shutdown = () => {
    stopRequested = true;
    if (stopping || !stop) return;
    stopping = true;
    void stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`slot shutdown error: ${toBlockqnnError(error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // The supervisor's death closes our stdin/IPC: exit rather than linger as an orphan.
  process.on('disconnect', shutdown);
  try {
    const config = slotConfigSchema.parse(JSON.parse(argv[2] ?? '{}'));
    stop = await runSlot(config, log);
  } catch (error) {
    log(`slot failed to start: ${toBlockqnnError(error).describe()}`);
    process.exit(3);
  }
  if (stopRequested) shutdown();
}
