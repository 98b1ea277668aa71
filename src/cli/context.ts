/** Connection flags shared by the commands that reach the database or Redis. */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_PREFIX, REDIS_TLS_CA_ENV, type RedisSettings, redisSettings } from '../queue/redis.js';
import { existsSync } from 'node:fs';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { activeDisplay } from './progress/index.js';
import { DEFAULT_DATABASE_URL, type Store, openStore, parseDatabaseUrl } from '../store/index.js';

export interface ConnectionFlags {
  db?: string;
  redis?: string;
  prefix?: string;
  redisTlsCa?: string;
}

export function withDatabase(command: Command): Command {
  return command.option('--db <url>', 'database: file:PATH (SQLite) or postgresql://... (default: DATABASE_URL, else file:./blockqnn.db)');
}

/**
 * `--prefix`: a non-empty key prefix. An empty one would put the queues at the
 * top of the key space, and silently using the default instead would join the
 * workers of another deployment, so it is refused.
 */
export function redisPrefix(value: string): string {
  if (value.trim() === '')
    throw new InvalidArgumentError(
      `--prefix must not be empty; leave it out for the default "${DEFAULT_PREFIX}", or give one such as ${DEFAULT_PREFIX}-dev`,
    );
  return value;
}

export function withRedis(command: Command): Command {
  return command
    .option('--redis <url>', 'Redis URL, redis:// or rediss:// (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--prefix <prefix>', `key prefix of the queues in Redis (default ${DEFAULT_PREFIX})`, redisPrefix)
    .option(
      '--redis-tls-ca <file>',
      `PEM file of the CA that signed the Redis server's certificate, for rediss:// (default: ${REDIS_TLS_CA_ENV})`,
    );
}

/**
 * Opens the database the flags name. `existing`: a command that only reads (runs, status,
 * export, ...) refuses a SQLite file that does not exist instead of creating an empty one
 * (with its disk reserve) under a mistyped name.
 */
export async function openStoreFrom(flags: ConnectionFlags, options: { existing?: boolean } = {}): Promise<Store> {
  const url = flags.db ?? process.env.DATABASE_URL;
  if (options.existing) {
    const target = parseDatabaseUrl(url ?? DEFAULT_DATABASE_URL);
    if (target.provider === 'sqlite' && target.path !== ':memory:' && !existsSync(target.path)) {
      throw new BlockqnnError(ErrorCode.NOT_FOUND, `database ${target.display} does not exist`, {
        hint: `check --db / DATABASE_URL; a new database is created only by commands that start runs (blockqnn search, baseline, dashboard)`,
      });
    }
  }
  return openStore(url);
}

export function redisFrom(flags: ConnectionFlags): RedisSettings {
  // Through the environment, so the worker processes this one starts use the same CA.
  if (flags.redisTlsCa) process.env[REDIS_TLS_CA_ENV] = resolve(flags.redisTlsCa);
  return redisSettings({ ...(flags.redis ? { url: flags.redis } : {}), ...(flags.prefix !== undefined ? { prefix: flags.prefix } : {}) });
}

export const controllerId = (): string => `${hostname()}:${process.pid}`;

/** A line for the user on stderr, through the running command's display (above its status line, as JSON, or not at all with --quiet). */
export const log = (line: string): void => {
  activeDisplay().log(line);
};
