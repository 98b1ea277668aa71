/** Dataset packs over Redis: chunked publish, byte-exact fetch, idempotent re-publish, and the errors a worker sees. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { rejection } from '../datasets/fixtures.js';
import { fetchPack, publishPack } from '../../src/queue/dataset-transfer.js';
import { deletePrefix, testRedisSettings } from '../helpers/redis.js';

const settings = testRedisSettings('packs');
const dir = mkdtempSync(join(tmpdir(), 'blockqnn-packs-'));
afterAll(async () => {
  await deletePrefix(settings);
  rmSync(dir, { recursive: true, force: true });
});

it('publishes a file in bounded chunks and fetches it back byte for byte; a second publish writes nothing', async () => {
  const bytes = randomBytes(10_000 + 17);
  const source = join(dir, 'pack.bqds');
  writeFileSync(source, bytes);
  const sha = 'ab'.repeat(32);
  expect(await publishPack(settings, sha, source, 1024)).toBe(true);
  const client = new Redis(settings.url);
  try {
    expect(await client.hgetall(`${settings.prefix}:pack:${sha}:meta`)).toEqual({ bytes: '10017', chunks: '10', chunkBytes: '1024' });
    expect(await client.strlen(`${settings.prefix}:pack:${sha}:9`)).toBe(10_017 - 9 * 1024);
    expect(await publishPack(settings, sha, source, 1024)).toBe(false);
    const dest = join(dir, 'fetched');
    await fetchPack(settings, sha, dest);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    // A chunk lost on Redis (evicted, say) is named, not written as a short file.
    await client.del(`${settings.prefix}:pack:${sha}:4`);
    const lost = await rejection(fetchPack(settings, sha, join(dir, 'short')));
    expect(lost.message).toMatch(/chunk 4 of 10 is missing/);
  } finally {
    client.disconnect();
  }
  const missing = await rejection(fetchPack(settings, 'cd'.repeat(32), join(dir, 'none')));
  expect([missing.code, missing.message]).toEqual([
    ErrorCode.NOT_FOUND,
    expect.stringMatching(/is not published on redis:.*prefix bqtest-packs-/),
  ]);
  expect(missing.hint).toMatch(/blockqnn resume/);
});
