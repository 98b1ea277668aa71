/**
 * `blockqnn dashboard`: the web dashboard on 127.0.0.1 (by default) over a
 * run database and the queue's Redis. Runs started or resumed from the page
 * get their controller in this process; their workers are external
 * (`blockqnn worker`) unless --local-workers N starts slots beside each.
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { assertRedisReachable } from '../../queue/redis.js';
import type { RedisSettings } from '../../queue/redis.js';
import { createServer } from '../../server/index.js';
import { parseRateLimit } from '../../server/request-limits.js';
import type { Store } from '../../store/index.js';
import { type ConnectionFlags, controllerId, log, openStoreFrom, redisFrom, withDatabase, withRedis } from '../context.js';

interface DashboardFlags extends ConnectionFlags {
  port: number;
  host: string;
  token?: string;
  localWorkers?: number;
  rateLimit?: number;
  dataDir?: string;
}

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be 0-65535, got "${value}"`);
  return n;
};

const rateLimit = (value: string): number => {
  try {
    return parseRateLimit(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

const slots = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new InvalidArgumentError(`--local-workers must be an integer 0-256, got "${value}"`);
  return n;
};

/** Starts the dashboard server; used by `blockqnn dashboard` and `blockqnn search --dashboard`. */
export async function startDashboard(o: {
  store: Store;
  redis: RedisSettings;
  port: number;
  host?: string;
  token?: string | undefined;
  localWorkers?: number;
  rateLimit?: number;
  dataDir?: string;
}) {
  const token = o.token ?? process.env.BLOCKQNN_TOKEN;
  const server = createServer({
    store: o.store,
    redis: o.redis,
    token,
    controllerId: controllerId(),
    localWorkers: o.localWorkers ?? 0,
    log,
    ...(o.rateLimit !== undefined ? { rateLimit: o.rateLimit } : {}),
    ...(o.dataDir !== undefined ? { dataDir: resolve(o.dataDir) } : {}),
  });
  let url: string;
  try {
    ({ url } = await server.start({ port: o.port, host: o.host ?? '127.0.0.1' }));
  } catch (error) {
    // Nothing may keep the process alive after a failed start (the stream hub's timers, Redis connections).
    await server.close();
    throw error;
  }
  log(`dashboard: ${url}${token ? '' : ' (read-only: no --token / BLOCKQNN_TOKEN, so start, stop and resume are off)'}`);
  return server;
}

export function registerDashboard(program: Command): void {
  const command = program
    .command('dashboard')
    .description('serve the web dashboard: runs, live charts, best blocks, candidates, workers')
    .option('--port <port>', 'TCP port (0: any free port)', port, 8080)
    .option('--host <host>', 'address to bind; anything but loopback exposes the dashboard to the network', '127.0.0.1')
    .option('--token <token>', 'bearer token that start/stop/resume require (default: BLOCKQNN_TOKEN)')
    .option('--local-workers <N>', 'worker slots started beside each controller the dashboard runs (default 0: external workers)', slots, 0)
    .option(
      '--data-dir <dir>',
      'the only folder whose lookup tables runs started from the page or API may name (default: the bundled data/, with nasbench201/cifar10.csv.gz)',
    )
    .option(
      '--rate-limit <N/min>',
      'API requests per minute per client address (N/min, N/s; 0 or off: no limit; default 600/min when --host is not loopback, else none)',
      rateLimit,
    );
  withRedis(withDatabase(command)).action(async (flags: DashboardFlags) => {
    const store = await openStoreFrom(flags);
    const redis = redisFrom(flags);
    try {
      await assertRedisReachable(redis);
      const server = await startDashboard({
        store,
        redis,
        port: flags.port,
        host: flags.host,
        token: flags.token,
        localWorkers: flags.localWorkers ?? 0,
        ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
        ...(flags.rateLimit !== undefined ? { rateLimit: flags.rateLimit } : {}),
      });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      log('dashboard: stopping (controllers started here stop at their next commit)');
      await server.close();
    } finally {
      await store.close();
    }
  });
}
