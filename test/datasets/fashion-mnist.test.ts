import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { FASHION_MNIST_DEBIAN_DIR, fashionMnistSource } from '../../src/datasets/fashion-mnist.js';
import { clearDatasetMemo, loadDataset } from '../../src/datasets/load.js';
import type { DecodedSource } from '../../src/datasets/types.js';
import { idxBytes, rejection, syntheticImages, syntheticLabels, tempDir, writeFashionDir } from './fixtures.js';

const histogram = (labels: Uint8Array) => {
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]!++;
  return counts;
};

describe("Fashion-MNIST from Debian's dataset-fashion-mnist", () => {
  let decoded: DecodedSource;

  beforeAll(async () => {
    if (!existsSync(join(FASHION_MNIST_DEBIAN_DIR, 'train-images-idx3-ubyte.gz'))) {
      throw new Error(
        `Fashion-MNIST is not installed in ${FASHION_MNIST_DEBIAN_DIR}: run \`apt-get install dataset-fashion-mnist\` (CI's .ci/run must install it)`,
      );
    }
    decoded = await fashionMnistSource.decode(undefined);
  });

  it('decodes 60,000 training and 10,000 test images of 28 × 28 × 1', () => {
    expect(decoded.shape).toEqual([28, 28, 1]);
    expect(decoded.pool.count).toBe(60000);
    expect(decoded.pool.images.length).toBe(60000 * 784);
    expect(decoded.test.count).toBe(10000);
    expect(decoded.test.images.length).toBe(10000 * 784);
  });

  it('has the published labels: balanced classes, and ankle boots first in both files', () => {
    expect(histogram(decoded.pool.labels)).toEqual(new Array(10).fill(6000));
    expect(histogram(decoded.test.labels)).toEqual(new Array(10).fill(1000));
    expect(decoded.pool.labels[0]).toBe(9);
    expect(decoded.test.labels[0]).toBe(9);
    expect(fashionMnistSource.classes[9]).toBe('Ankle boot');
  });

  it('holds real pictures: dark borders, bright middles', () => {
    let border = 0;
    let centre = 0;
    for (let n = 0; n < 1000; n++) {
      border += decoded.pool.images[n * 784]!; // top-left pixel
      centre += decoded.pool.images[n * 784 + 14 * 28 + 14]!;
    }
    expect(border / 1000).toBeLessThan(5);
    expect(centre / 1000).toBeGreaterThan(60);
  });
});

describe('Fashion-MNIST through loadDataset', () => {
  const cache = tempDir('fashion-cache');
  afterAll(() => cache.remove());

  it('splits, subsets and resizes the Debian files, then serves them from the cache', async () => {
    const spec = { name: 'fashion-mnist', seed: 4, validationSize: 500, subset: 1000, imageSize: 14 };
    const data = await loadDataset(spec, { cacheDir: cache.path });
    expect(data.origin).toBe('decoded');
    expect(data.shape).toEqual([14, 14, 1]);
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([1000, 500, 10000]);
    expect(data.test.images.length).toBe(10000 * 196);
    expect(histogram(data.train.labels)).toEqual(new Array(10).fill(100)); // balanced classes: exact strata
    expect(histogram(data.validation.labels)).toEqual(new Array(10).fill(50));
    clearDatasetMemo();
    const cached = await loadDataset(spec, { cacheDir: cache.path });
    expect(cached.origin).toBe('cache');
    expect(cached.train.images).toEqual(data.train.images);
    expect(cached.trainIndices).toEqual(data.trainIndices);
  });
});

describe('Fashion-MNIST from a user directory', () => {
  const dir = tempDir('fashion');
  afterAll(() => dir.remove());

  it('reads gzip and raw IDX files and keeps every byte in place', async () => {
    const path = join(dir.path, 'ok');
    mkdirSync(path);
    writeFashionDir(path, 30, 12);
    const print = await fashionMnistSource.fingerprint(path);
    expect(print.files.map((f) => f.path.slice(path.length + 1))).toEqual([
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ]);
    const data = await fashionMnistSource.decode(path);
    expect(data.pool.count).toBe(30);
    expect(data.pool.images).toEqual(syntheticImages(30, 784));
    expect(data.test.labels).toEqual(syntheticLabels(12));
  });

  it('names the missing file, the directory and the Debian package', async () => {
    const error = await rejection(fashionMnistSource.fingerprint(join(dir.path, 'nowhere')));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.message).toContain('train-images-idx3-ubyte.gz or train-images-idx3-ubyte not found in');
    expect(error.message).toContain('nowhere');
    expect(error.hint).toContain('apt-get install dataset-fashion-mnist');
  });

  async function brokenDir(name: string, change: (path: string) => void): Promise<{ path: string; message: string }> {
    const path = join(dir.path, name);
    mkdirSync(path);
    writeFashionDir(path, 20, 10);
    change(path);
    return { path, message: (await rejection(fashionMnistSource.decode(path))).message };
  }

  it('rejects image and label files that do not belong together', async () => {
    const { path, message } = await brokenDir('mismatch', (p) =>
      writeFileSync(join(p, 't10k-labels-idx1-ubyte'), idxBytes([9], syntheticLabels(9))),
    );
    expect(message).toContain(`${join(path, 't10k-labels-idx1-ubyte')}: holds 9 labels but`);
    expect(message).toContain('holds 10 images');
  });

  it('rejects images of the wrong size', async () => {
    const { message } = await brokenDir('size', (p) =>
      writeFileSync(join(p, 't10k-images-idx3-ubyte'), idxBytes([10, 32, 32], syntheticImages(10, 1024))),
    );
    expect(message).toContain("images are 32 × 32, Fashion-MNIST's are 28 × 28");
  });

  it('rejects labels outside 0..9, naming the index', async () => {
    const { message } = await brokenDir('labels', (p) =>
      writeFileSync(join(p, 't10k-labels-idx1-ubyte'), idxBytes([10], Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 12))),
    );
    expect(message).toContain('t10k-labels-idx1-ubyte: label 12 at index 9 is not a class index 0..9');
  });

  it('rejects a truncated file inside the directory, naming it', async () => {
    const { path, message } = await brokenDir('truncated', (p) =>
      writeFileSync(join(p, 't10k-images-idx3-ubyte'), idxBytes([10, 28, 28], syntheticImages(10, 784)).subarray(0, 5000)),
    );
    expect(message).toContain(`${join(path, 't10k-images-idx3-ubyte')}: truncated`);
  });
});
