/**
 * Redis connection settings shared by producers, workers and the registry.
 * `REDIS_URL` (redis:// or rediss:// for TLS, with an optional password) or
 * 127.0.0.1:6379 by default.
 */
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export interface RedisSettings {
  url: string;
  /** Key prefix of every queue and registry key; tests use a unique one each. */
  prefix: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_PREFIX = 'blockqnn';

export function redisSettings(overrides: Partial<RedisSettings> = {}): RedisSettings {
  return { url: overrides.url ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL, prefix: overrides.prefix ?? DEFAULT_PREFIX };
}

/** The URL with any password masked, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * ioredis options for BullMQ: workers need `maxRetriesPerRequest: null` so a
 * blocking call survives a Redis restart instead of throwing.
 */
export function redisOptions(settings: RedisSettings): RedisOptions {
  const url = new URL(settings.url);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `Redis URL ${redactUrl(settings.url)} must start with redis:// or rediss://`);
  }
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
  };
}

export function createRedis(settings: RedisSettings): Redis {
  const client = new Redis(redisOptions(settings));
  // Errors surface on the commands that fail; an unhandled 'error' event would crash the process.
  client.on('error', () => {});
  return client;
}

/** Fails fast with a clear error when nothing answers at the URL. */
export async function assertRedisReachable(settings: RedisSettings, timeoutMs = 3000): Promise<void> {
  const client = new Redis({ ...redisOptions(settings), maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new BlockqnnError(ErrorCode.UNREACHABLE, `cannot reach Redis at ${redactUrl(settings.url)}: ${(error as Error).message}`, {
      hint: 'start redis-server (apt-get install redis-server) or set REDIS_URL=redis://HOST:PORT',
      cause: error,
    });
  } finally {
    client.disconnect();
  }
}
