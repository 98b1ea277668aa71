/**
 * A run started with `--workers 0` depends on workers started elsewhere. The
 * hint names the exact command that serves it (engine, Redis, prefix), and a
 * watcher says so when no live worker that can take the run's jobs has been
 * registered for a while, instead of a progress line that silently stays at 0.
 */
import { type RedisSettings, createRedis, redactUrl } from '../queue/redis.js';
import { listWorkers } from '../queue/worker-registry.js';

/** Seconds without a matching live worker before the warning; the environment variable shortens it (tests). */
export const NO_WORKER_WARN_ENV = 'BLOCKQNN_NO_WORKER_WARN_SECONDS';
const DEFAULT_WARN_SECONDS = 30;

/** The `blockqnn worker` command that serves this run's queue (the password stays out: it goes in REDIS_URL or --redis by hand). */
export function workerCommand(engine: string, redis: RedisSettings): string {
  const trainer = engine === 'script' ? ' --trainer YOUR_TRAIN.py' : '';
  return `blockqnn worker --engine ${engine} --redis ${redactUrl(redis.url)} --prefix ${redis.prefix}${trainer}`;
}

function warnAfterMs(): number {
  const raw = process.env[NO_WORKER_WARN_ENV];
  const seconds = raw === undefined ? DEFAULT_WARN_SECONDS : Number(raw);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_WARN_SECONDS) * 1000;
}

/**
 * Logs once when no live worker registered under the run's prefix with its engine has been seen for the warning
 * period, and once more when one comes up. Returns a stop function.
 */
export function watchWorkers(redis: RedisSettings, engine: string, log: (line: string) => void): () => void {
  const client = createRedis(redis);
  const warnAfter = warnAfterMs();
  let lastSeen = Date.now();
  let warned = false;
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      const workers = await listWorkers(client, redis.prefix);
      const live = workers.filter((w) => w.engine === engine && w.health === 'alive');
      if (live.length > 0) {
        lastSeen = Date.now();
        if (warned) log(`${live.length} ${engine} worker slot(s) now serve the run`);
        warned = false;
      } else if (!warned && Date.now() - lastSeen >= warnAfter) {
        warned = true;
        const others = workers.filter((w) => w.health === 'alive').map((w) => w.engine);
        const elsewhere = others.length > 0 ? ` (live slots of other engines: ${[...new Set(others)].join(', ')}; they never take this run's jobs)` : '';
        log(`warning: no live ${engine} worker on prefix ${redis.prefix} for ${Math.round((Date.now() - lastSeen) / 1000)} s${elsewhere}: the run's jobs wait. Start one with: ${workerCommand(engine, redis)}`);
      }
    } catch {
      // Redis trouble is the controller's to report; the watcher only looks again next time.
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), Math.min(5000, Math.max(250, warnAfter / 4)));
  timer.unref();
  return () => {
    clearInterval(timer);
    client.disconnect();
  };
}
