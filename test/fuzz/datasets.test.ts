/**
 * Bad-input corpus, dataset files: IDX bytes (random, truncated, wrong magic,
 * wrong sizes, gzip of those), CIFAR-10 binary batches (wrong lengths, labels
 * out of range) and the decoded-dataset cache file (truncated, bytes flipped,
 * hostile headers). IDX and CIFAR refuse with an error naming the file; a
 * damaged cache is never trusted: it reads as invalid, or a load decodes the
 * source again and returns exactly the data a clean load gives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCifarFiles } from '../../src/datasets/cifar10.js';
import { CACHE_MAGIC, clearDatasetMemo, loadDataset, readCacheFile } from '../../src/datasets/index.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, readIdxFile } from '../../src/datasets/idx.js';
import type { Dataset } from '../../src/datasets/index.js';
import { idxBytes, tempDir } from '../datasets/fixtures.js';
import { CaseCounter, expectAcceptedOrClear, expectAcceptedOrClearAsync, reportCases } from './fuzz-kit.js';

const idx = new CaseCounter('dataset-idx');
const cifar = new CaseCounter('dataset-cifar10');
const cache = new CaseCounter('dataset-cache');
const dir = tempDir('fuzz-datasets');
afterAll(() => {
  reportCases(idx, cifar, cache);
  dir.remove();
});

const file = (name: string) => join(dir.path, name);

describe('IDX', () => {
  it('random bytes and random headers over random bodies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expectAcceptedOrClear(idx, () => parseIdx(bytes, 'train-images-idx3-ubyte', 'hint'), /train-images-idx3-ubyte/);
      }),
      { numRuns: 1500 },
    );
    const header = fc.record({
      zero: fc.constantFrom([0, 0], [0, 0], [0x1f, 0x8b], [1, 0], [0xff, 0xff]),
      type: fc.constantFrom(0x08, 0x08, 0x09, 0x0d, 0x00, 0xff),
      dims: fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(0xffffffff, 2 ** 31, 65536)), { maxLength: 4 }),
      declared: fc.option(fc.integer({ min: 0, max: 255 })),
      slack: fc.integer({ min: -8, max: 8 }),
    });
    fc.assert(
      fc.property(header, (h) => {
        const body = Math.max(0, h.dims.reduce((a, b) => a * b, 1) + h.slack);
        const bytes = Buffer.alloc(4 + 4 * h.dims.length + Math.min(body, 4096));
        bytes[0] = h.zero[0]!;
        bytes[1] = h.zero[1]!;
        bytes[2] = h.type;
        bytes[3] = h.declared ?? h.dims.length;
        h.dims.forEach((d, i) => bytes.writeUInt32BE(d >>> 0, 4 + 4 * i));
        const parsed = expectAcceptedOrClear(idx, () => parseIdx(bytes, 't10k-labels-idx1-ubyte', 'hint'), /t10k-labels-idx1-ubyte/);
        if (parsed) expect(parsed.data.length).toBe(parsed.dims.reduce((a, b) => a * b, 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('files: truncated, gzip-truncated, labels where images belong', async () => {
    const images = idxBytes([3, 4, 4], new Uint8Array(48).fill(7));
    const labels = idxBytes([3], Uint8Array.from([1, 2, 3]));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(images, labels),
        fc.nat(),
        fc.boolean(),
        fc.constantFrom(IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC),
        async (whole, cut, gzip, magic) => {
          const bytes = whole.subarray(0, cut % (whole.length + 1));
          const raw = gzip ? gzipSync(whole).subarray(0, Math.max(2, cut % (gzipSync(whole).length + 1))) : bytes;
          writeFileSync(file('x-idx-ubyte'), raw);
          await expectAcceptedOrClearAsync(idx, () => readIdxFile(file('x-idx-ubyte'), magic, 'hint'), /x-idx-ubyte/);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('CIFAR-10 binary', () => {
  it('batches of wrong lengths and labels beyond the ten classes', async () => {
    const record = 3073;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: -3, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 3 }),
        async (records, slack, labels) => {
          const size = Math.max(0, records * record + slack);
          const bytes = Buffer.alloc(size, 1);
          labels.forEach((l, i) => i * record < size && (bytes[i * record] = l));
          writeFileSync(file('data_batch_1.bin'), bytes);
          const set = await expectAcceptedOrClearAsync(
            cifar,
            () => decodeCifarFiles([{ path: file('data_batch_1.bin'), size, mtimeMs: 0 } as never]),
            /data_batch_1\.bin/,
          );
          if (set) expect(set.count).toBe(records);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('dataset cache file', () => {
  let clean: Dataset;
  let cachePath: string;
  let good: Buffer;
  const spec = { name: 'mnist', subset: 60, validationSize: 20, imageSize: 8, seed: 5 } as const;

  beforeAll(async () => {
    clearDatasetMemo();
    clean = await loadDataset(spec, { cacheDir: dir.path });
    cachePath = clean.cachePath!;
    good = readFileSync(cachePath);
  });

  let fullLoads = 0;
  /**
   * A damaged copy is never used as it is: it reads as invalid (with a reason),
   * or as ok, and then a load must give exactly the data of a clean load (it
   * rejected the copy and decoded again, or the damage was in bytes that do not
   * matter). Decoding again costs a fraction of a second, so only the ok cases
   * and the first few invalid ones go through a whole load.
   */
  async function loadDamaged(bytes: Uint8Array): Promise<void> {
    writeFileSync(cachePath, bytes);
    const read = await readCacheFile(cachePath);
    if (read.kind === 'invalid') expect(read.reason.length).toBeGreaterThan(0);
    else expect(read.kind).toBe('ok');
    if (read.kind !== 'ok' && fullLoads >= 10) {
      cache.refused();
      return;
    }
    fullLoads++;
    clearDatasetMemo();
    const loaded = await expectAcceptedOrClearAsync(cache, () => loadDataset(spec, { cacheDir: dir.path }));
    if (!loaded) return;
    for (const split of ['train', 'validation', 'test'] as const) {
      expect(loaded[split].count).toBe(clean[split].count);
      expect(Buffer.from(loaded[split].labels).equals(Buffer.from(clean[split].labels))).toBe(true);
      expect(Buffer.from(loaded[split].images).equals(Buffer.from(clean[split].images))).toBe(true);
    }
  }

  // Pixel bytes carry no checksum (a reader maps them straight into memory), so flips go to the preamble and header.
  it('truncated anywhere, or with bytes of the preamble or header flipped', async () => {
    const warnings = process.listeners('warning');
    process.removeAllListeners('warning');
    try {
      await fc.assert(
        fc.asyncProperty(fc.nat(), async (cut) => loadDamaged(good.subarray(0, cut % good.length))),
        { numRuns: 400 },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), async (flips) => {
          const bytes = Buffer.from(good);
          for (const [at, value] of flips) bytes[at % (12 + good.readUInt32LE(8))] = value;
          await loadDamaged(bytes);
        }),
        { numRuns: 600 },
      );
    } finally {
      for (const l of warnings) process.on('warning', l);
    }
  });

  it('hostile headers: any JSON, or the real header with fields replaced', async () => {
    const headerLength = good.readUInt32LE(8);
    const header = JSON.parse(good.toString('utf8', 12, 12 + headerLength)) as Record<string, unknown>;
    const withHeader = (value: unknown): Buffer => {
      const text = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
      const pre = Buffer.alloc(12);
      pre.write(CACHE_MAGIC, 0, 'ascii');
      pre.writeUInt32LE(text.length, 8);
      return Buffer.concat([pre, text, good.subarray(12 + headerLength)]);
    };
    const hostile = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, -1, 2 ** 40, 'x', [], {}, [-1], [1e9, 1e9], { a: 1 }));
    const arrays = header.arrays as Record<string, Record<string, unknown>>;
    const names = Object.keys(arrays);
    const mutation = fc.record({
      top: fc.constantFrom(...Object.keys(header)),
      array: fc.constantFrom(...names),
      field: fc.constantFrom('dtype', 'shape', 'offset', 'nbytes', '__proto__'),
      value: hostile,
      where: fc.boolean(),
    });
    const warnings = process.listeners('warning');
    process.removeAllListeners('warning');
    try {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => loadDamaged(withHeader(value))),
        { numRuns: 300 },
      );
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => {
          const h = structuredClone(header) as Record<string, unknown>;
          if (m.where) h[m.top] = m.value;
          else (h.arrays as Record<string, Record<string, unknown>>)[m.array]![m.field] = m.value;
          await loadDamaged(withHeader(h));
        }),
        { numRuns: 300 },
      );
      // Self-consistent but swapped: the validation images under the train name and back.
      const swapped = structuredClone(header) as { arrays: Record<string, unknown> };
      [swapped.arrays.train_images, swapped.arrays.validation_images] = [swapped.arrays.validation_images, swapped.arrays.train_images];
      await loadDamaged(withHeader(swapped));
    } finally {
      for (const l of warnings) process.on('warning', l);
    }
  });
});
