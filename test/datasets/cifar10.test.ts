import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { CIFAR10_FOLDER, cifar10Source } from '../../src/datasets/cifar10.js';
import { cifarRecords, pixel, rejection, syntheticImages, syntheticLabels, tempDir, writeCifarDir } from './fixtures.js';

const root = tempDir('cifar');
afterAll(() => root.remove());

function cifarDir(name: string, perBatch = 4, testCount = 3): string {
  const path = join(root.path, name);
  mkdirSync(path, { recursive: true });
  writeCifarDir(path, perBatch, testCount);
  return path;
}

describe('CIFAR-10 binary batches', () => {
  it('decodes five training batches and the test batch into channels-last images', async () => {
    const dir = cifarDir('ok');
    const data = await cifar10Source.decode(dir);
    expect(data.shape).toEqual([32, 32, 3]);
    expect(data.pool.count).toBe(20);
    expect(data.test.count).toBe(3);
    // Record n's planes hold pixel(n, p·3 + ch) at plane ch, position p: interleaved, that is syntheticImages.
    expect(data.pool.images).toEqual(syntheticImages(20, 3072));
    expect(data.pool.labels).toEqual(syntheticLabels(20));
    expect(data.test.images).toEqual(syntheticImages(3, 3072));
  });

  it('moves a plane byte to its (row, column, channel) place', async () => {
    const data = await cifar10Source.decode(cifarDir('place'));
    const n = 13; // batch 4, record 1
    const [row, col, ch] = [5, 17, 2];
    const record = cifarRecords(n, 1);
    const planeByte = record[1 + ch * 1024 + row * 32 + col]!;
    expect(data.pool.images[n * 3072 + (row * 32 + col) * 3 + ch]).toBe(planeByte);
    expect(planeByte).toBe(pixel(n, (row * 32 + col) * 3 + ch));
  });

  it('finds the batches inside an extracted cifar-10-batches-bin folder', async () => {
    cifarDir(join('parent', CIFAR10_FOLDER));
    const print = await cifar10Source.fingerprint(join(root.path, 'parent'));
    expect(print.origin).toBe(join(root.path, 'parent', CIFAR10_FOLDER));
    expect(print.files).toHaveLength(6);
  });

  it('names a missing batch and the binary download', async () => {
    const dir = cifarDir('missing');
    rmSync(join(dir, 'data_batch_3.bin'));
    const error = await rejection(cifar10Source.fingerprint(dir));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.message).toBe(`CIFAR-10 file data_batch_3.bin not found in ${dir}`);
    expect(error.hint).toContain('cifar-10-binary.tar.gz');
  });

  it('points out the Python version of the archive', async () => {
    const dir = join(root.path, 'python');
    mkdirSync(dir);
    writeFileSync(join(dir, 'data_batch_1'), 'pickle');
    const error = await rejection(cifar10Source.fingerprint(dir));
    expect(error.message).toContain('holds the Python (pickle) version of CIFAR-10');
    expect(error.hint).toContain('cifar-10-binary.tar.gz');
  });

  it('rejects a truncated batch, naming it and the record arithmetic', async () => {
    const dir = cifarDir('truncated');
    writeFileSync(join(dir, 'test_batch.bin'), cifarRecords(0, 3).subarray(0, 3 * 3073 - 100));
    const error = await rejection(cifar10Source.decode(dir));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toContain(
      `${join(dir, 'test_batch.bin')}: truncated or wrong file: 9119 bytes is 2 whole 3073-byte records plus 2973 bytes`,
    );
  });

  it('rejects an empty batch and a record with a label outside 0..9', async () => {
    const empty = cifarDir('empty');
    writeFileSync(join(empty, 'data_batch_2.bin'), '');
    expect((await rejection(cifar10Source.decode(empty))).message).toContain('data_batch_2.bin: is empty');

    const labels = cifarDir('labels');
    const records = cifarRecords(0, 4);
    records[2 * 3073] = 57; // CIFAR-100 style fine label
    writeFileSync(join(labels, 'data_batch_5.bin'), records);
    expect((await rejection(cifar10Source.decode(labels))).message).toContain(
      'data_batch_5.bin: record 2 has label 57, not a class index 0..9',
    );
  });
});
