import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { clearDatasetMemo, datasetSources, loadDataset } from '../../src/datasets/index.js';
import type { Dataset } from '../../src/datasets/index.js';
import { pythonSummary, rejection, sum, tempDir, writeCifarDir } from './fixtures.js';

const root = tempDir('load');
afterAll(() => root.remove());
let cacheDir: string;
let run = 0;
beforeEach(() => {
  cacheDir = join(root.path, `cache-${run++}`);
  clearDatasetMemo();
});

/** A synthetic CIFAR-10 directory: 5 × 40 training records, 20 test records. */
function cifarDir(name: string): string {
  const dir = join(root.path, name);
  mkdirSync(dir, { recursive: true });
  writeCifarDir(dir, 40, 20);
  return dir;
}

const digest = (d: Dataset) =>
  createHash('sha256')
    .update(d.train.images)
    .update(d.train.labels)
    .update(d.validation.images)
    .update(d.validation.labels)
    .update(d.test.images)
    .update(d.test.labels)
    .update(new Uint8Array(d.trainIndices.buffer, d.trainIndices.byteOffset, d.trainIndices.byteLength))
    .digest('hex');

const cacheFiles = (dir: string) => readdirSync(join(dir, 'datasets'));

describe('loadDataset by name', () => {
  it('loads the bundled MNIST with no set-up: counts, shape, label range', async () => {
    const data = await loadDataset('mnist', { cacheDir });
    expect(data.name).toBe('mnist');
    expect(data.shape).toEqual([28, 28, 1]);
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([7204, 800, 1996]);
    expect(data.train.images.length).toBe(7204 * 784);
    expect(Math.max(...data.train.labels)).toBe(9);
    expect(Math.min(...data.validation.labels)).toBe(0);
    expect(data.classes).toHaveLength(10);
  });

  it('lists the valid names on an unknown dataset', async () => {
    const error = await rejection(loadDataset('imagenet', { cacheDir }));
    expect(error.code).toBe(ErrorCode.UNKNOWN_NAME);
    expect(error.message).toBe('unknown dataset "imagenet"');
    expect(error.hint).toBe('valid dataset names: cifar10, fashion-mnist, mnist');
    expect(datasetSources.list()).toEqual(['cifar10', 'fashion-mnist', 'mnist']);
  });

  it('names every invalid field of a spec', async () => {
    const error = await rejection(loadDataset({ name: 'mnist', seed: -1, channels: 2, subset: 0.5, extra: 1 } as never, { cacheDir }));
    expect(error.code).toBe(ErrorCode.INVALID_CONFIG);
    for (const part of [
      'seed: seed must be >= 0',
      'subset: subset must be an integer',
      'channels: channels must be 1 or 3',
      'Unrecognized key: "extra"',
    ]) {
      expect(error.message).toContain(part);
    }
  });
});

describe('decoded-dataset cache', () => {
  it('decodes once per process, then reads the identical arrays from disk in a fresh process state', async () => {
    const first = await loadDataset('mnist', { cacheDir });
    expect(first.origin).toBe('decoded');
    expect(await loadDataset({ name: 'mnist', seed: 0 }, { cacheDir })).toBe(first); // memo: same object
    clearDatasetMemo();
    const second = await loadDataset('mnist', { cacheDir });
    expect(second.origin).toBe('cache');
    expect(second.cachePath).toBe(first.cachePath);
    expect(second.key).toBe(first.key);
    expect(digest(second)).toBe(digest(first));
    expect(second.validationIndices).toEqual(first.validationIndices);
    expect(cacheFiles(cacheDir)).toEqual([`mnist-${first.key}.bqds`]);
  });

  it('shares one decode between concurrent calls', async () => {
    const dir = cifarDir('concurrent');
    const [a, b] = await Promise.all([loadDataset('cifar10', { dir, cacheDir }), loadDataset('cifar10', { dir, cacheDir })]);
    expect(a).toBe(b);
    expect(a.origin).toBe('decoded');
  });

  it('keys by seed: same seed same split, another seed another split and file', async () => {
    const dir = cifarDir('seeds');
    const one = await loadDataset({ name: 'cifar10', seed: 1 }, { dir, cacheDir });
    const two = await loadDataset({ name: 'cifar10', seed: 2 }, { dir, cacheDir });
    expect(two.key).not.toBe(one.key);
    expect(two.validationIndices).not.toEqual(one.validationIndices);
    clearDatasetMemo();
    const again = await loadDataset({ name: 'cifar10', seed: 1 }, { dir, cacheDir });
    expect(again.origin).toBe('cache');
    expect(again.validationIndices).toEqual(one.validationIndices);
    const disjoint = new Set(one.trainIndices);
    expect(one.validationIndices.every((i) => !disjoint.has(i))).toBe(true);
    expect(disjoint.size + one.validationIndices.length).toBe(200);
    expect(cacheFiles(cacheDir)).toHaveLength(2);
  });

  it('subsets, resizes and converts channels, on every split alike', async () => {
    const dir = cifarDir('shapes');
    const data = await loadDataset(
      { name: 'cifar10', validationSize: 30, subset: 50, imageSize: 8, resize: 'area', channels: 1 },
      { dir, cacheDir },
    );
    expect(data.shape).toEqual([8, 8, 1]);
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([50, 30, 20]);
    expect(data.train.images.length).toBe(50 * 64);
    expect(data.test.images.length).toBe(20 * 64);
    expect([...data.train.labels].filter((l) => l === 3)).toHaveLength(5); // stratified: 5 per class
  });

  it('writes a file the Python reader reads back identically', async () => {
    const data = await loadDataset({ name: 'cifar10', imageSize: 16, seed: 9 }, { dir: cifarDir('python'), cacheDir });
    const summary = pythonSummary(data.cachePath!);
    expect(summary.shape).toEqual([16, 16, 3]);
    expect(summary.arrays.train_images).toMatchObject({ shape: [180, 16, 16, 3], sum: sum(data.train.images), mmapEqual: true });
    expect(summary.arrays.validation_indices).toMatchObject({
      dtype: 'uint32',
      sum: sum(data.validationIndices),
      first: data.validationIndices[0],
    });
    expect(summary.arrays.test_labels!.sum).toBe(sum(data.test.labels));
  });

  it('decodes again when a source file changes', async () => {
    const dir = cifarDir('changes');
    const before = await loadDataset('cifar10', { dir, cacheDir });
    utimesSync(join(dir, 'test_batch.bin'), new Date(), new Date(Date.now() + 5000));
    const after = await loadDataset('cifar10', { dir, cacheDir });
    expect(after.key).not.toBe(before.key);
    expect(after.origin).toBe('decoded');
  });

  it('rebuilds a torn cache file instead of reading half of it', async () => {
    const dir = cifarDir('torn');
    const good = await loadDataset('cifar10', { dir, cacheDir });
    truncateSync(good.cachePath!, readFileSync(good.cachePath!).length / 2);
    clearDatasetMemo();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const rebuilt = await loadDataset('cifar10', { dir, cacheDir });
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(rebuilt.origin).toBe('decoded');
    expect(digest(rebuilt)).toBe(digest(good));
    expect(warnings.join('\n')).toContain('runs past the end of the file (truncated)');
    clearDatasetMemo();
    expect((await loadDataset('cifar10', { dir, cacheDir })).origin).toBe('cache');
  });

  it('keeps training possible when the cache dir is unwritable, and skips the disk with cache: false', async () => {
    const blocker = join(root.path, 'not-a-dir');
    writeFileSync(blocker, '');
    const dir = cifarDir('nocache');
    const quiet = () => undefined;
    process.on('warning', quiet);
    const data = await loadDataset('cifar10', { dir, cacheDir: blocker });
    process.off('warning', quiet);
    expect(data.cachePath).toBeUndefined();
    expect(data.train.count).toBe(180);
    const off = await loadDataset({ name: 'cifar10', seed: 3 }, { dir, cacheDir, cache: false });
    expect(off.cachePath).toBeUndefined();
  });

  describe('environment', () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });

    it('reads $BLOCKQNN_CIFAR10_DIR and $BLOCKQNN_CACHE_DIR when no option is given', async () => {
      process.env.BLOCKQNN_CIFAR10_DIR = cifarDir('env');
      process.env.BLOCKQNN_CACHE_DIR = cacheDir;
      const data = await loadDataset('cifar10');
      expect(data.cachePath!.startsWith(join(cacheDir, 'datasets', 'cifar10-'))).toBe(true);
    });

    it('says where to get CIFAR-10 when nothing points at it', async () => {
      delete process.env.BLOCKQNN_CIFAR10_DIR;
      const error = await rejection(loadDataset('cifar10', { cacheDir }));
      expect(error.code).toBe(ErrorCode.NOT_FOUND);
      expect(error.message).toContain('data_batch_1.bin not found in');
      expect(error.hint).toContain('cifar-10-binary.tar.gz');
    });
  });
});

describe('several processes filling one cache', () => {
  it('all get identical data; one complete file remains, no temp files', async () => {
    const dir = cifarDir('processes');
    const entry = fileURLToPath(new URL('../../src/datasets/index.ts', import.meta.url));
    const script = join(root.path, 'child.mts');
    writeFileSync(
      script,
      `import { createHash } from 'node:crypto';
       import { loadDataset } from ${JSON.stringify(entry)};
       const d = await loadDataset({ name: 'cifar10', imageSize: 16 }, { dir: ${JSON.stringify(dir)}, cacheDir: ${JSON.stringify(cacheDir)} });
       const h = createHash('sha256').update(d.train.images).update(d.validation.images).update(d.test.images).digest('hex');
       console.log(JSON.stringify({ origin: d.origin, hash: h }));`,
    );
    const child = () =>
      new Promise<{ origin: string; hash: string; stderr: string }>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('close', (code) =>
          code === 0 ? resolve({ ...JSON.parse(out), stderr: err }) : reject(new Error(`child exited ${code}: ${err}`)),
        );
      });
    const results = await Promise.all([child(), child(), child()]);
    // A reader that met a half-written file would warn "unusable" and decode again.
    expect(results.map((r) => r.stderr).join('')).not.toContain('unusable');
    expect(new Set(results.map((r) => r.hash)).size).toBe(1);
    const files = cacheFiles(cacheDir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(1);
    const mine = await loadDataset({ name: 'cifar10', imageSize: 16 }, { dir, cacheDir });
    expect(mine.origin).toBe('cache');
    const hash = createHash('sha256').update(mine.train.images).update(mine.validation.images).update(mine.test.images).digest('hex');
    expect(hash).toBe(results[0]!.hash);
  });
});
