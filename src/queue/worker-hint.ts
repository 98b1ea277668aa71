/**
 * A run's jobs go only to workers of its engine registered under its Redis prefix (one queue per engine).
 * When none is live, the jobs wait with nothing to say so: this is the one notice that says it, with the
 * exact `blockqnn worker` command that serves the run, for the CLI's watcher (cli/worker-watch.ts),
 * `blockqnn status` and the dashboard's run page alike.
 */
import { Redis } from 'ioredis';
import { type RedisSettings, redactUrl, redisOptions } from './redis.js';
import { type WorkerHealth, type WorkerState, listWorkers } from './worker-registry.js';

/** Seconds without a matching live worker before the warning; the environment variable shortens it (tests). */
export const NO_WORKER_WARN_ENV = 'BLOCKQNN_NO_WORKER_WARN_SECONDS';
const DEFAULT_WARN_SECONDS = 30;

/** How long a run's jobs may wait without a live worker of its engine before the notice shows. */
export function noWorkerWarnAfterMs(): number {
  const raw = process.env[NO_WORKER_WARN_ENV];
  const seconds = raw === undefined ? DEFAULT_WARN_SECONDS : Number(raw);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_WARN_SECONDS) * 1000;
}

/** The `blockqnn worker` command that serves this run's queue (the password stays out: it goes in REDIS_URL or --redis by hand). */
export function workerCommand(engine: string, redis: RedisSettings): string {
  const trainer = engine === 'script' ? ' --trainer YOUR_TRAIN.py' : '';
  return `blockqnn worker --engine ${engine} --redis ${redactUrl(redis.url)} --prefix ${redis.prefix}${trainer}`;
}

/** Why a run's jobs wait: no live worker of its engine under its prefix; the command that serves it; live slots of other engines. */
export interface NoWorkerNotice {
  engine: string;
  prefix: string;
  command: string;
  otherEngines: string[];
  message: string;
}

/**
 * The notice for a run of `engine` given the registry's workers, or null when a live worker of that engine is there;
 * `waitedSeconds`, when known, says for how long none has been.
 */
export function noWorkerNotice(
  workers: readonly (WorkerState & { health: WorkerHealth })[],
  engine: string,
  redis: RedisSettings,
  waitedSeconds?: number,
): NoWorkerNotice | null {
  const alive = workers.filter((w) => w.health === 'alive');
  if (alive.some((w) => w.engine === engine)) return null;
  const otherEngines = [...new Set(alive.map((w) => w.engine))].sort();
  const command = workerCommand(engine, redis);
  const waited = waitedSeconds !== undefined ? ` for ${Math.round(waitedSeconds)} s` : '';
  const elsewhere =
    otherEngines.length > 0 ? ` (live slots of other engines: ${otherEngines.join(', ')}; they never take this run's jobs)` : '';
  return {
    engine,
    prefix: redis.prefix,
    command,
    otherEngines,
    message: `no live ${engine} worker on prefix ${redis.prefix}${waited}${elsewhere}: the run's jobs wait. Start one with: ${command}`,
  };
}

/**
 * A one-shot look at the registry for `blockqnn status`: the notice, null when a live worker of the engine is
 * there, or undefined when Redis does not answer within `timeoutMs` (status reads the database and says nothing then).
 */
export async function lookForWorker(redis: RedisSettings, engine: string, timeoutMs = 2000): Promise<NoWorkerNotice | null | undefined> {
  const client = new Redis({
    ...redisOptions(redis),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    disconnectTimeout: 50,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return noWorkerNotice(await listWorkers(client, redis.prefix), engine, redis);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}
