/**
 * Redis connection settings shared by producers, workers and the registry.
 * `REDIS_URL` (redis:// or rediss:// for TLS, with an optional password) or
 * 127.0.0.1:6379 by default. A password missing from the URL comes from
 * `REDIS_PASSWORD`; a private CA for rediss:// from `BLOCKQNN_REDIS_TLS_CA`
 * (a PEM file; `--redis-tls-ca` sets it). Both are read from the environment so
 * the worker processes a supervisor starts inherit them.
 */
import { readFileSync } from 'node:fs';
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
export const REDIS_PASSWORD_ENV = 'REDIS_PASSWORD';
export const REDIS_TLS_CA_ENV = 'BLOCKQNN_REDIS_TLS_CA';

export function redisSettings(overrides: Partial<RedisSettings> = {}): RedisSettings {
  return { url: overrides.url ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL, prefix: overrides.prefix ?? DEFAULT_PREFIX };
}

/** The URL with any password masked, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** TLS options for a rediss:// URL: the system's CAs, or the PEM file `BLOCKQNN_REDIS_TLS_CA` names. */
function tlsOptions(settings: RedisSettings, env: NodeJS.ProcessEnv): { ca?: Buffer } {
  const caFile = env[REDIS_TLS_CA_ENV]?.trim();
  if (!caFile) return {};
  try {
    return { ca: readFileSync(caFile) };
  } catch (error) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `cannot read the Redis TLS CA file ${caFile} (${REDIS_TLS_CA_ENV}, --redis-tls-ca) for ${redactUrl(settings.url)}: ${(error as Error).message}`,
      {
        hint: 'give the PEM file of the CA that signed the Redis server certificate',
        cause: error,
      },
    );
  }
}

/**
 * ioredis options for BullMQ: workers need `maxRetriesPerRequest: null` so a
 * blocking call survives a Redis restart instead of throwing.
 */
export function redisOptions(settings: RedisSettings, env: NodeJS.ProcessEnv = process.env): RedisOptions {
  let url: URL;
  try {
    url = new URL(settings.url);
  } catch {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `malformed Redis URL ${redactUrl(settings.url)}`, {
      hint: 'the form is redis://[:password@]host:6379[/db] or rediss:// for TLS',
    });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `Redis URL ${redactUrl(settings.url)} must start with redis:// or rediss://`);
  }
  if (url.protocol === 'redis:' && env[REDIS_TLS_CA_ENV]?.trim()) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `a Redis TLS CA is set (${REDIS_TLS_CA_ENV}, --redis-tls-ca) but ${redactUrl(settings.url)} is plain redis://`,
      { hint: 'use rediss:// for TLS, or drop the CA' },
    );
  }
  const password = url.password ? decodeURIComponent(url.password) : env[REDIS_PASSWORD_ENV] || undefined;
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(password ? { password } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: tlsOptions(settings, env) } : {}),
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
  // disconnectTimeout: a probe has nothing to flush, and after a refused connection ioredis's default 2 s timer
  // (waiting for a 'close' that already happened) kept the process alive: the error took 2 s longer to exit on.
  const client = new Redis({
    ...redisOptions(settings),
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    disconnectTimeout: 50,
  });
  // The cause (NOAUTH, a certificate that does not verify) arrives as an 'error' event; connect() then only says "Connection is closed".
  let cause: Error | undefined;
  client.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const message =
      cause && cause.message !== (error as Error).message ? `${cause.message} (${(error as Error).message})` : (error as Error).message;
    const auth = /NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(message);
    const tls = /certificate|self[- ]signed|SSL|TLS/i.test(message);
    throw new BlockqnnError(
      ErrorCode.UNREACHABLE,
      `cannot reach Redis at ${redactUrl(settings.url)}: ${auth ? `authentication failed (${message})` : message}`,
      {
        hint: auth
          ? `put the password in the URL (redis://:PASSWORD@host:port) or in ${REDIS_PASSWORD_ENV}`
          : tls
            ? `give the CA that signed the server's certificate with --redis-tls-ca FILE or ${REDIS_TLS_CA_ENV}`
            : 'start redis-server (apt-get install redis-server) or set REDIS_URL=redis://HOST:PORT',
        cause: error,
      },
    );
  } finally {
    client.disconnect();
  }
}
