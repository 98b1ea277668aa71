import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { CACHE_MAGIC, readCacheFile, writeCacheFile } from '../../src/datasets/cache-file.js';
import type { CacheArray, CacheMeta } from '../../src/datasets/cache-file.js';
import { pythonSummary, rejection, sum, tempDir } from './fixtures.js';

const dir = tempDir('cache-file');
afterAll(() => dir.remove());

const meta: CacheMeta = {
  key: 'k1',
  name: 'toy',
  classes: ['a', 'b'],
  shape: [3, 5, 1],
  pixels: 'float = byte / 255',
  spec: { seed: 4 },
  source: { origin: 'test', files: [] },
};
// Odd sizes, so that alignment padding is needed between arrays.
const arrays: Record<string, CacheArray> = {
  train_images: { data: Uint8Array.from({ length: 7 * 15 }, (_, i) => (i * 13) % 256), shape: [7, 3, 5, 1] },
  train_labels: { data: Uint8Array.of(0, 1, 1, 0, 1, 0, 1), shape: [7] },
  train_indices: { data: Uint32Array.of(9, 70000, 4294967295, 3, 1, 0, 12), shape: [7] },
};

async function written(name: string): Promise<string> {
  const path = join(dir.path, name);
  await writeCacheFile(path, meta, arrays);
  return path;
}

describe('dataset cache file', () => {
  it('round-trips header and arrays', async () => {
    const read = await readCacheFile(await written('round.bqds'));
    if (read.kind !== 'ok') throw new Error(`unexpected ${read.kind}`);
    expect(read.header).toMatchObject({ ...meta, format: 'blockqnn-dataset-cache', version: 1 });
    for (const [name, { data, shape }] of Object.entries(arrays)) {
      expect(read.arrays[name]).toEqual(data);
      expect(read.header.arrays[name]!.shape).toEqual(shape);
    }
  });

  it('follows the documented byte layout', async () => {
    const bytes = readFileSync(await written('layout.bqds'));
    expect(bytes.toString('ascii', 0, 8)).toBe(CACHE_MAGIC);
    const length = bytes.readUInt32LE(8);
    const header = JSON.parse(bytes.toString('utf8', 12, 12 + length));
    const infos = Object.values(header.arrays) as { dtype: string; offset: number; nbytes: number }[];
    expect(infos.map((a) => a.dtype)).toEqual(['|u1', '|u1', '<u4']);
    let end = 12 + length;
    for (const info of infos) {
      expect(info.offset % 64).toBe(0);
      expect(info.offset).toBeGreaterThanOrEqual(end);
      end = info.offset + info.nbytes;
    }
    expect(bytes.length).toBe(end);
    const indices = infos[2]!;
    expect(bytes.readUInt32LE(indices.offset + 8)).toBe(4294967295);
  });

  it('is read by the Python reader with numpy.fromfile and memmap', async () => {
    const summary = pythonSummary(await written('python.bqds'));
    expect(summary.name).toBe('toy');
    for (const [name, { data, shape }] of Object.entries(arrays)) {
      expect(summary.arrays[name]).toEqual({
        dtype: name.endsWith('indices') ? 'uint32' : 'uint8',
        shape,
        sum: sum(data),
        first: data[0],
        mmapEqual: true,
      });
    }
  });

  it('reports a missing, truncated, padded or foreign file instead of reading it', async () => {
    expect(await readCacheFile(join(dir.path, 'absent.bqds'))).toEqual({ kind: 'missing' });

    const truncated = await written('truncated.bqds');
    truncateSync(truncated, readFileSync(truncated).length - 3);
    expect(await readCacheFile(truncated)).toEqual({
      kind: 'invalid',
      reason: 'array train_indices runs past the end of the file (truncated)',
    });

    const padded = await written('padded.bqds');
    writeFileSync(padded, Buffer.concat([readFileSync(padded), Buffer.alloc(10)]));
    expect((await readCacheFile(padded)).kind).toBe('invalid');

    // A header still valid JSON whose offset lost a digit's worth (the labels' offset + 10, same length):
    // read as it says, the labels would be other bytes of the file.
    const shifted = await written('shifted.bqds');
    const bytes = readFileSync(shifted);
    const headerLength = bytes.readUInt32LE(8);
    const header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength)) as { arrays: Record<string, { offset: number }> };
    const offset = header.arrays.train_labels!.offset;
    const text = bytes.toString('utf8', 12, 12 + headerLength).replace(`"offset":${offset}`, `"offset":${offset + 10}`);
    expect(Buffer.byteLength(text)).toBe(headerLength);
    bytes.write(text, 12, 'utf8');
    writeFileSync(shifted, bytes);
    expect(await readCacheFile(shifted)).toEqual({
      kind: 'invalid',
      reason: `array train_labels is at offset ${offset + 10}, but the layout puts it at ${offset}`,
    });

    const foreign = join(dir.path, 'foreign.bqds');
    writeFileSync(foreign, 'not a cache file at all');
    expect(await readCacheFile(foreign)).toEqual({ kind: 'invalid', reason: 'wrong magic' });
  });

  it('replaces a file by rename and leaves no temp files behind', async () => {
    const path = await written('replace.bqds');
    await writeCacheFile(path, { ...meta, key: 'k2' }, arrays);
    const read = await readCacheFile(path);
    expect(read.kind === 'ok' && read.header.key).toBe('k2');
    expect(readdirSync(dir.path).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with IO_ERROR and the fix when the directory cannot be created, cleaning up', async () => {
    const blocker = join(dir.path, 'a-file');
    writeFileSync(blocker, '');
    const error = await rejection(writeCacheFile(join(blocker, 'sub', 'x.bqds'), meta, arrays));
    expect(error.code).toBe(ErrorCode.IO_ERROR);
    expect(error.message).toContain('a-file');
    expect(error.hint).toContain('$BLOCKQNN_CACHE_DIR');
  });
});
