/**
 * A run started with `--workers 0` depends on workers started elsewhere. The
 * hint names the exact command that serves it (engine, Redis, prefix), and a
 * watcher says so when no live worker that can take the run's jobs has been
 * registered for a while, instead of a progress line that silently stays at 0.
 */
import { type RedisSettings, createRedis } from '../queue/redis.js';
import { listWorkers } from '../queue/worker-registry.js';
import { NO_WORKER_WARN_ENV, noWorkerNotice, noWorkerWarnAfterMs, workerCommand } from '../queue/worker-hint.js';

export { NO_WORKER_WARN_ENV, workerCommand };

/**
 * Logs once when no live worker registered under the run's prefix with its engine has been seen for the warning
 * period, and once more when one comes up. Returns a stop function.
 */
export function watchWorkers(redis: RedisSettings, engine: string, log: (line: string) => void): () => void {
  const client = createRedis(redis);
  const warnAfter = noWorkerWarnAfterMs();
  let lastSeen = Date.now();
  let warned = false;
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      const workers = await listWorkers(client, redis.prefix);
      const notice = noWorkerNotice(workers, engine, redis, (Date.now() - lastSeen) / 1000);
      if (notice === null) {
        lastSeen = Date.now();
        const live = workers.filter((w) => w.engine === engine && w.health === 'alive');
        if (warned) log(`${live.length} ${engine} worker slot(s) now serve the run`);
        warned = false;
      } else if (!warned && Date.now() - lastSeen >= warnAfter) {
        warned = true;
        log(`warning: ${notice.message}`);
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
