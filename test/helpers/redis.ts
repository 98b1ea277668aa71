/** Real-Redis test helpers: each test gets its own key prefix and deletes only what it created. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisSettings } from '../../src/queue/redis.js';

export function testRedisSettings(label = 'test'): RedisSettings {
  return { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `bqtest-${label}-${randomBytes(4).toString('hex')}` };
}

export async function deletePrefix(settings: RedisSettings): Promise<void> {
  const client = new Redis(settings.url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${settings.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
