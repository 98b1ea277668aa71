/**
 * The zero-set-up Redis of `blockqnn search`: use REDIS_URL or 127.0.0.1:6379
 * when something answers there; otherwise start `redis-server` from PATH on a
 * free loopback port with persistence off, owned by this process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { type RedisSettings, assertRedisReachable, redactUrl } from './redis.js';

export interface LocalRedis {
  url: string;
  /** True when this process started the server (and stops it on close). */
  started: boolean;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function ensureRedis(settings: RedisSettings, log: (line: string) => void): Promise<LocalRedis> {
  try {
    await assertRedisReachable(settings, 1500);
    return { url: settings.url, started: false, close: async () => {} };
  } catch {
    if (process.env.REDIS_URL) {
      throw new BlockqnnError(ErrorCode.UNREACHABLE, `cannot reach Redis at REDIS_URL=${redactUrl(process.env.REDIS_URL)}`, {
        hint: 'start that server, fix REDIS_URL, or unset it to let blockqnn start a local redis-server',
      });
    }
  }
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  } catch (error) {
    throw notInstalled(error);
  }
  const failed = new Promise<never>((_, reject) => child.once('error', (error) => reject(notInstalled(error))));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await Promise.race([assertRedisReachable({ ...settings, url }, 500), failed]);
      break;
    } catch (error) {
      if (error instanceof BlockqnnError && error.code === ErrorCode.ENGINE_UNAVAILABLE) throw error;
      if (Date.now() > deadline) {
        child.kill();
        throw new BlockqnnError(ErrorCode.UNREACHABLE, `started redis-server on port ${port} but it did not answer within 10 s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  log(`no Redis at ${redactUrl(settings.url)}; started redis-server on ${url} (no persistence) for this run`);
  return {
    url,
    started: true,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function notInstalled(cause: unknown): BlockqnnError {
  return new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, 'no Redis answers and redis-server is not installed', {
    hint: 'apt-get install redis-server (or brew install redis), or set REDIS_URL=redis://HOST:PORT',
    cause,
  });
}
