/**
 * Small real files in the formats the loaders read, written to temp dirs: IDX
 * (Fashion-MNIST) and CIFAR-10 binary batches. Pixel values are a function of
 * (image, position) so tests can check exactly where each byte went.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BlockqnnError } from '../../src/common/errors.js';

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `blockqnn-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** An IDX file: magic 00 00 08 <ndims>, big-endian dims, then the bytes. */
export function idxBytes(dims: readonly number[], data: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/** Pixel (image n, byte p) of the synthetic images. */
export const pixel = (n: number, p: number): number => (n * 7 + p * 3) % 256;

export function syntheticImages(count: number, size: number): Uint8Array {
  return Uint8Array.from({ length: count * size }, (_, i) => pixel(Math.floor(i / size), i % size));
}

/** Labels cycling 0..9, so every class is present. */
export const syntheticLabels = (count: number): Uint8Array => Uint8Array.from({ length: count }, (_, i) => i % 10);

/** Writes the four Fashion-MNIST IDX files (train: gzip, test: raw, to exercise both). */
export function writeFashionDir(dir: string, trainCount: number, testCount: number): void {
  const write = (name: string, bytes: Uint8Array, gzip: boolean) =>
    writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  write('train-images-idx3-ubyte', idxBytes([trainCount, 28, 28], syntheticImages(trainCount, 784)), true);
  write('train-labels-idx1-ubyte', idxBytes([trainCount], syntheticLabels(trainCount)), true);
  write('t10k-images-idx3-ubyte', idxBytes([testCount, 28, 28], syntheticImages(testCount, 784)), false);
  write('t10k-labels-idx1-ubyte', idxBytes([testCount], syntheticLabels(testCount)), false);
}

/**
 * CIFAR records for images `first .. first + count`: label, then the red, green
 * and blue planes. Channel ch of pixel p of image n holds pixel(n, p * 3 + ch),
 * so the decoded HWC bytes must equal syntheticImages.
 */
export function cifarRecords(first: number, count: number): Uint8Array {
  const out = new Uint8Array(count * 3073);
  for (let k = 0; k < count; k++) {
    const n = first + k;
    out[k * 3073] = n % 10;
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < 1024; p++) out[k * 3073 + 1 + ch * 1024 + p] = pixel(n, p * 3 + ch);
    }
  }
  return out;
}

/** Five training batches of `perBatch` records and a test batch of `testCount`. */
export function writeCifarDir(dir: string, perBatch: number, testCount: number): void {
  for (let b = 0; b < 5; b++) writeFileSync(join(dir, `data_batch_${b + 1}.bin`), cifarRecords(b * perBatch, perBatch));
  writeFileSync(join(dir, 'test_batch.bin'), cifarRecords(0, testCount));
}

/** The BlockqnnError a promise rejects with (fails the test if it resolves or throws something else). */
export async function rejection(promise: Promise<unknown>): Promise<BlockqnnError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BlockqnnError) return error;
    throw error;
  }
  throw new Error('expected a BlockqnnError, but the call succeeded');
}

/** Runs the Python reader shipped beside the cache code on a cache file; its JSON summary. */
export function pythonSummary(cachePath: string): {
  name: string;
  shape: number[];
  arrays: Record<string, { dtype: string; shape: number[]; sum: number; first: number | null; mmapEqual: boolean }>;
} {
  const reader = fileURLToPath(new URL('../../src/datasets/dataset_cache.py', import.meta.url));
  const run = spawnSync('python3', [reader, cachePath], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    throw new Error(
      `python3 ${reader} failed (${run.error?.message ?? run.stderr.trim()}); the torch engine needs python3 with numpy: apt-get install python3-numpy (python3-torch brings it)`,
    );
  }
  return JSON.parse(run.stdout);
}

/** Sum of all elements, as numpy's `a.sum(dtype=uint64)` computes it. */
export const sum = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
};
