/** Small helpers of the orchestration bench: units, waits, versions, Redis clean-up, RSS. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { type RedisSettings, createRedis } from '../../queue/redis.js';

export const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A deadline that does not keep the process alive by itself (the child it guards does). */
export const deadline = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

export function packageVersion(name: string): string {
  try {
    let dir = fileURLToPath(new URL('.', import.meta.url));
    for (let i = 0; i < 8; i++) {
      const manifest = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
      dir = join(dir, '..');
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

/** Deletes every key under the bench's prefix (and nothing else). */
export async function deletePrefix(settings: RedisSettings): Promise<void> {
  const client = createRedis(settings);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${settings.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  if (!Number.isFinite(kb)) throw new BlockqnnError(ErrorCode.INTERNAL, `no VmRSS for pid ${pid}`);
  return kb * 1024;
}

/** fork() arguments that run a module of this folder in a child, under tsx when it is TypeScript. */
export function forkArgs(moduleUrl: string): { path: string; execArgv: string[] } {
  const path = fileURLToPath(moduleUrl);
  return {
    path,
    execArgv: [
      ...(path.endsWith('.ts') ? ['--import', 'tsx'] : []),
      ...(process.env.BLOCKQNN_PROFILE_CHILD ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BLOCKQNN_PROFILE_CHILD}`] : []),
    ],
  };
}
