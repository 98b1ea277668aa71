/**
 * Dataset packs travel to workers through the Redis they already reach: the
 * controller publishes a pack in 4 MiB chunks, a worker that lacks it reads the
 * chunks back into a file (the datasets module then checks the sha-256 and keeps
 * it). Keys (P = Redis prefix, S = the pack's sha-256):
 *
 *   P:pack:S:meta   hash { bytes, chunks, chunkBytes }, written last: a reader never sees half a pack
 *   P:pack:S:<i>    chunk i, a string of chunkBytes bytes (the last one shorter)
 *
 * Chunks bound what one command moves, so a big pack never holds Redis (single
 * threaded) for long nor needs a huge client buffer. Why Redis rather than an
 * HTTP endpoint on the controller: see README "Search your own data".
 */
import { open } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { type RedisSettings, createRedis, redactUrl } from './redis.js';

export const PACK_CHUNK_BYTES = 4 * 2 ** 20;

const metaKey = (prefix: string, sha256: string): string => `${prefix}:pack:${sha256}:meta`;
const chunkKey = (prefix: string, sha256: string, i: number): string => `${prefix}:pack:${sha256}:${i}`;

async function withClient<T>(settings: RedisSettings, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = createRedis(settings);
  try {
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** Publishes the pack file at `path` unless this Redis holds it already; returns whether it wrote it now. */
export async function publishPack(settings: RedisSettings, sha256: string, path: string, chunkBytes = PACK_CHUNK_BYTES): Promise<boolean> {
  return withClient(settings, async (client) => {
    if ((await client.exists(metaKey(settings.prefix, sha256))) === 1) return false;
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      const chunks = Math.max(1, Math.ceil(size / chunkBytes));
      const buffer = Buffer.alloc(chunkBytes);
      for (let i = 0; i < chunks; i++) {
        const { bytesRead } = await file.read(buffer, 0, Math.min(chunkBytes, size - i * chunkBytes), i * chunkBytes);
        await client.set(chunkKey(settings.prefix, sha256, i), buffer.subarray(0, bytesRead));
      }
      await client.hset(metaKey(settings.prefix, sha256), { bytes: size, chunks, chunkBytes });
      return true;
    } finally {
      await file.close();
    }
  });
}

/** Writes pack `sha256` from Redis into `dest`; the caller verifies the hash. */
export async function fetchPack(settings: RedisSettings, sha256: string, dest: string): Promise<void> {
  await withClient(settings, async (client) => {
    const meta = await client.hgetall(metaKey(settings.prefix, sha256));
    if (meta.chunks === undefined) {
      throw new BlockqnnError(
        ErrorCode.NOT_FOUND,
        `dataset pack ${sha256} is not published on ${redactUrl(settings.url)} (prefix ${settings.prefix})`,
        {
          hint: 'the controller publishes it when a search starts or resumes: resume the run (`blockqnn resume RUN`) on the host that packed the source',
          details: { sha256 },
        },
      );
    }
    const [bytes, chunks] = [Number(meta.bytes), Number(meta.chunks)];
    const file = await open(dest, 'w');
    try {
      let written = 0;
      for (let i = 0; i < chunks; i++) {
        const chunk = await client.getBuffer(chunkKey(settings.prefix, sha256, i));
        if (chunk === null)
          throw new BlockqnnError(ErrorCode.IO_ERROR, `dataset pack ${sha256}: chunk ${i} of ${chunks} is missing on Redis`, {
            hint: 'resume the run on the controller host to publish the pack again',
          });
        await file.write(chunk, 0, chunk.length, written);
        written += chunk.length;
      }
      if (written !== bytes)
        throw new BlockqnnError(
          ErrorCode.IO_ERROR,
          `dataset pack ${sha256}: read ${written} bytes from Redis, its metadata says ${bytes}`,
          { hint: 'resume the run on the controller host to publish the pack again' },
        );
      await file.sync();
    } finally {
      await file.close();
    }
  });
}
