/**
 * The ceiling any BullMQ-based system reaches here: `Queue.addBulk` of small
 * jobs and workers with a no-op processor, on the same Redis as the end-to-end
 * run. Names BullMQ directly: measuring it is its purpose.
 */
import { Queue } from 'bullmq';
import { type RedisSettings, redisOptions } from '../../queue/redis.js';
import type { ThroughputFigure } from './report.js';
import { RAW_QUEUE, startWorkerHost } from './worker-host.js';

export async function measureRawBullmq(
  redis: RedisSettings,
  o: { jobs: number; workers: number; concurrency: number },
): Promise<ThroughputFigure> {
  const queue = new Queue(RAW_QUEUE, { connection: redisOptions(redis), prefix: redis.prefix });
  const host = await startWorkerHost({ mode: 'raw', redis, workers: o.workers, concurrency: o.concurrency });
  try {
    await queue.waitUntilReady();
    const finished = host.completed(o.jobs);
    const started = performance.now();
    for (let i = 0; i < o.jobs; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, o.jobs - i) }, (_, j) => ({ name: 'noop', data: { i: i + j } })));
    }
    await finished;
    const seconds = (performance.now() - started) / 1000;
    return { count: o.jobs, seconds, perSecond: o.jobs / seconds };
  } finally {
    await host.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
