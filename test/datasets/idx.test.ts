import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxFile } from '../../src/datasets/idx.js';
import { idxBytes, rejection, syntheticImages, tempDir } from './fixtures.js';

const dir = tempDir('idx');
afterAll(() => dir.remove());

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir.path, name);
  writeFileSync(path, bytes);
  return path;
}

const images = idxBytes([3, 28, 28], syntheticImages(3, 784));

describe('readIdxFile', () => {
  it('reads raw and gzip files alike, detecting gzip by content rather than name', async () => {
    const raw = await readIdxFile(file('raw-images', images), IDX_IMAGES_MAGIC, 'hint');
    const gz = await readIdxFile(file('gz-images-without-extension', gzipSync(images)), IDX_IMAGES_MAGIC, 'hint');
    expect(raw.dims).toEqual([3, 28, 28]);
    expect(gz.dims).toEqual([3, 28, 28]);
    expect(gz.data).toEqual(raw.data);
    expect(raw.data).toEqual(syntheticImages(3, 784));
  });

  it('names the file and the wrong magic number', async () => {
    const path = file('not-idx', Buffer.from('PK\x03\x04 this is a zip file'));
    const error = await rejection(readIdxFile(path, IDX_IMAGES_MAGIC, 'get it from X'));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toContain(path);
    expect(error.message).toContain('wrong magic number 0x504b0304');
    expect(error.hint).toBe('get it from X');
  });

  it('says which data type is unsupported', async () => {
    const floats = Buffer.from(images);
    floats[2] = 0x0d;
    const error = await rejection(readIdxFile(file('floats', floats), IDX_IMAGES_MAGIC, ''));
    expect(error.message).toContain('(float) is not supported');
  });

  it('reports a truncated file with the byte counts', async () => {
    const path = file('truncated', images.subarray(0, 1000));
    const error = await rejection(readIdxFile(path, IDX_IMAGES_MAGIC, ''));
    expect(error.message).toContain(`${path}: truncated`);
    expect(error.message).toContain('3 × 28 × 28 = 2352 data bytes but only 984 follow');
  });

  it('reports a truncated gzip stream', async () => {
    const path = file('truncated.gz', gzipSync(images).subarray(0, 60));
    const error = await rejection(readIdxFile(path, IDX_IMAGES_MAGIC, ''));
    expect(error.message).toContain(`${path}: is not a valid gzip stream`);
  });

  it('reports bytes beyond what the header describes', async () => {
    const error = await rejection(readIdxFile(file('long', Buffer.concat([images, Buffer.alloc(5)])), IDX_IMAGES_MAGIC, ''));
    expect(error.message).toContain('wrong size');
    expect(error.message).toContain('2357 follow');
  });

  it('notices a labels file where an images file belongs', async () => {
    const labels = file('labels', idxBytes([3], Uint8Array.of(1, 2, 3)));
    const error = await rejection(readIdxFile(labels, IDX_IMAGES_MAGIC, ''));
    expect(error.message).toContain(`magic number 0x${IDX_LABELS_MAGIC.toString(16).padStart(8, '0')}`);
    expect(error.message).toContain('are the files swapped?');
  });

  it('reports a header shorter than its dimensions', async () => {
    const error = await rejection(readIdxFile(file('short', Uint8Array.of(0, 0, 8, 3, 0, 0)), IDX_IMAGES_MAGIC, ''));
    expect(error.message).toContain('declares 3 dimensions but the file is 6 bytes long');
  });
});
