/**
 * User dataset sources (folder, npz, idx, cifar100) decoded into packs: exact
 * pixels from real files, the layout and split rules, and every malformed input
 * refused with the problem and the fix.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { clearDatasetMemo, loadDataset } from '../../src/datasets/load.js';
import { packSource, readPack, setPackFetcher, sha256File } from '../../src/datasets/packs.js';
import { rejection, pixel, tempDir, writeFashionDir } from './fixtures.js';
import { CLASS_DIRS, fashionTest, numpySave, pickPerClass, writeCifar100Dir, writePngs } from './source-fixtures.js';

const dir = tempDir('sources');
afterAll(() => dir.remove());
let n = 0;
const fresh = (name: string): string => {
  const path = join(dir.path, `${name}-${n++}`);
  mkdirSync(path, { recursive: true });
  return path;
};
const packs = join(dir.path, 'packs');
const pack = (text: string, options: Parameters<typeof packSource>[1] = {}) => packSource(text, options, { dataDir: packs, force: true });

describe('folder: source', () => {
  it('decodes an ImageFolder with train/ and test/ to the exact pixels, classes in name order', async () => {
    const root = fresh('folder');
    const train = await pickPerClass(3);
    const test = await pickPerClass(1, 10, 5000);
    await writePngs(join(root, 'train'), train);
    await writePngs(join(root, 'test'), test);
    const got = await pack(`folder:${root}`);
    expect(got.classes).toEqual(CLASS_DIRS);
    expect(got.shape).toEqual([28, 28, 1]);
    expect(got.summary.counts).toEqual({ train: new Array(10).fill(3), test: new Array(10).fill(1) });
    expect(got.summary.notes.join(' ')).toContain('train/ and test/');
    const { images } = await fashionTest();
    const { decoded } = await readPack(got.path);
    // Files are read class by class, each class in file-name order (= index order here).
    const expected = train;
    const byClass = new Map<number, number[]>();
    const { labels } = await fashionTest();
    for (const i of expected) byClass.set(labels[i]!, [...(byClass.get(labels[i]!) ?? []), i]);
    const order = [...byClass.keys()].sort((a, b) => a - b).flatMap((c) => byClass.get(c)!);
    order.forEach((src, k) => {
      expect(decoded.pool.labels[k]).toBe(labels[src]);
      expect(
        Buffer.from(decoded.pool.images.subarray(k * 784, (k + 1) * 784)).equals(Buffer.from(images.subarray(src * 784, (src + 1) * 784))),
      ).toBe(true);
    });
    // The pack is named by the sha-256 of its bytes, and the same data packs to the same bytes.
    expect(await sha256File(got.path)).toBe(got.sha256);
    expect((await pack(`folder:${root}`)).sha256).toBe(got.sha256);
  });

  it('holds out a stratified 20% test set when the folder has no test/, and loads through the pack by hash', async () => {
    const root = fresh('flat');
    await writePngs(root, await pickPerClass(10, 3));
    const got = await pack(`folder:${root}`);
    expect(got.summary.counts).toEqual({ train: [8, 8, 8], test: [2, 2, 2] });
    expect(got.summary.notes.join(' ')).toMatch(/6 images \(20%, stratified, seed 0\) held out/);
    clearDatasetMemo();
    const data = await loadDataset(
      { name: `folder:${root}`, pack: got.sha256, validationSize: 3 },
      { dataDir: packs, cacheDir: join(dir.path, 'cache') },
    );
    expect(data.classes).toEqual(CLASS_DIRS.slice(0, 3));
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([21, 3, 6]);
    expect(data.cachePath).toMatch(/pack-[0-9a-f]{16}\.bqds$/);
  });

  it('refuses mixed sizes without --image-size, resizes with it, and follows the data to RGB', async () => {
    const root = fresh('mixed');
    const picks = await pickPerClass(4, 2);
    await writePngs(root, picks.slice(0, 5), { rgb: true });
    await writePngs(root, picks.slice(5), { rgb: true, size: 20 });
    const error = await rejection(pack(`folder:${root}`));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toMatch(/images of 2 sizes \(.*28×28: 5.*20×20: 3/);
    expect(error.hint).toContain('--image-size');
    const resized = await pack(`folder:${root}`, { imageSize: 16 });
    expect(resized.shape).toEqual([16, 16, 3]);
    expect((await pack(`folder:${root}`, { imageSize: 16, channels: 1 })).shape).toEqual([16, 16, 1]);
  });

  it('names a truncated image and the count of good ones; --skip-bad goes on and says how many it skipped', async () => {
    const root = fresh('bad');
    const paths = await writePngs(root, await pickPerClass(3, 2));
    truncateSync(paths[1]!, 60);
    writeFileSync(join(root, CLASS_DIRS[1]!, 'zz-not-an-image.png'), 'hello');
    const error = await rejection(pack(`folder:${root}`));
    expect(error.message).toMatch(/2 image\(s\) cannot be decoded, 5 can/);
    expect(error.message).toContain(paths[1]!.slice(root.length + 1));
    expect(error.message).toContain('zz-not-an-image.png');
    expect(error.hint).toContain('--skip-bad');
    const skipped = await pack(`folder:${root}`, { skipBad: true });
    expect(skipped.summary.notes.join(' ')).toContain('2 unreadable image(s) skipped');
    expect(skipped.summary.counts.train.reduce((a, b) => a + b) + skipped.summary.counts.test.reduce((a, b) => a + b)).toBe(5);
  });

  it('refuses a missing folder, an empty class folder and a single class, each with the fix', async () => {
    const missing = await rejection(pack(`folder:${join(dir.path, 'nope')}`));
    expect([missing.code, missing.message]).toEqual([ErrorCode.NOT_FOUND, expect.stringContaining('does not exist')]);
    const root = fresh('empty');
    await writePngs(root, await pickPerClass(2, 2));
    mkdirSync(join(root, 'zz_empty'));
    const empty = await rejection(pack(`folder:${root}`));
    expect(empty.message).toMatch(/zz_empty: is an empty class folder/);
    expect(empty.hint).toMatch(/add images to it or remove the folder/);
    const single = fresh('single');
    await writePngs(single, await pickPerClass(3, 1));
    expect((await rejection(pack(`folder:${single}`))).message).toMatch(/a single class; a classifier needs at least two/);
  });
});

describe('npz: source', () => {
  const root = fresh('npz');
  const at = (name: string) => join(root, `${name}.npz`);
  const BAD = [
    [
      'without x_train',
      'arrays = dict(images=np.zeros((4, 3, 3), np.uint8), y_train=np.arange(4) % 2)',
      /has no x_train array \(arrays found: y_train\)/,
      /x_train=x/,
    ],
    [
      'with an ambiguous shape',
      'arrays = dict(x_train=np.zeros((4, 3, 3, 3), np.uint8), y_train=np.arange(4) % 2)',
      /shape \(4, 3, 3, 3\), which reads as N×H×W×C and as N×C×H×W/,
      /--layout nhwc or --layout nchw/,
    ],
    [
      'with fewer labels than images',
      'arrays = dict(x_train=np.zeros((4, 5, 5), np.uint8), y_train=np.arange(3) % 2)',
      /y_train holds 3 labels but the matching x holds 4 images/,
      /one label per image/,
    ],
    [
      'with labels outside the classes',
      "arrays = dict(x_train=np.zeros((4, 5, 5), np.uint8), y_train=np.array([0, 1, 2, 1]), classes=np.array(['a', 'b']))",
      /y_train\[2\] is 2, outside the 2 classes 0..1 of the classes array/,
      /labels must index the classes/,
    ],
    [
      'with one-hot labels',
      'arrays = dict(x_train=np.zeros((4, 5, 5), np.uint8), y_train=np.eye(2)[np.arange(4) % 2])',
      /one-hot labels/,
      /argmax/,
    ],
    [
      'with normalised floats',
      'arrays = dict(x_train=np.full((4, 5, 5), -0.5, np.float32), y_train=np.arange(4) % 2)',
      /floats in \[-0.5, -0.5\]/,
      /not normalised ones/,
    ],
    [
      'with x_test but no y_test',
      'arrays = dict(x_train=np.zeros((4, 5, 5), np.uint8), y_train=np.arange(4) % 2, x_test=np.zeros((2, 5, 5), np.uint8))',
      /x_test without y_test/,
      /both test arrays/,
    ],
  ] as const;
  beforeAll(() => {
    const x = 'x = (np.arange(12*4*5*3) % 256).astype(np.uint8).reshape(12, 4, 5, 3)';
    numpySave([
      { path: at('nhwc'), code: `${x}\narrays = dict(x_train=x, y_train=np.arange(12) % 3, x_test=x[:4], y_test=np.array([0, 1, 2, 0]))` },
      {
        path: at('nchw'),
        compressed: true,
        code: `${x}\nx = (x.transpose(0, 3, 1, 2) / 255).astype(np.float32)\narrays = dict(x_train=x, y_train=np.arange(12) % 3, x_test=x[:4], y_test=np.array([0, 1, 2, 0]), classes=np.array(['cat', 'dog', 'emu']))`,
      },
      ...BAD.map(([name, code]) => ({ path: at(name), code })),
    ]);
  });

  it('reads NHWC uint8 as is, and NCHW float32 in [0, 1] scaled, saying which layout it found', async () => {
    const a = await pack(`npz:${at('nhwc')}`);
    expect([a.shape, a.classes, a.summary.notes[0]]).toEqual([[4, 5, 3], ['0', '1', '2'], 'NHWC layout, uint8']);
    const b = await pack(`npz:${at('nchw')}`);
    expect(b.summary.notes[0]).toBe('NCHW layout, float32 in [0, 1], scaled by 255');
    expect(b.classes).toEqual(['cat', 'dog', 'emu']);
    const [pa, pb] = [await readPack(a.path), await readPack(b.path)];
    expect(Buffer.from(pb.decoded.pool.images).equals(Buffer.from(pa.decoded.pool.images))).toBe(true);
  });

  it('reads a directory of .npy files and splits off a test set when it has none', async () => {
    const npy = fresh('npy');
    execFileSync('python3', [
      '-c',
      `import numpy as np; np.save(${JSON.stringify(join(npy, 'x_train.npy'))}, np.zeros((20, 6, 6), np.uint8)); np.save(${JSON.stringify(join(npy, 'y_train.npy'))}, np.arange(20) % 2)`,
    ]);
    const got = await pack(`npz:${npy}`);
    expect([got.shape, got.summary.counts]).toEqual([[6, 6, 1], { train: [8, 8], test: [2, 2] }]);
  });

  it.each(BAD)('refuses an .npz %s, naming the problem and the fix', async (name, _, problem, fix) => {
    const error = await rejection(pack(`npz:${at(name)}`));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toMatch(problem);
    expect(error.hint).toMatch(fix);
    expect(readdirSync(packs).filter((f) => f.endsWith('.tmp') || f.startsWith('.pack'))).toEqual([]);
  });

  it('accepts an ambiguous shape once --layout names it', async () => {
    expect((await pack(`npz:${at('with an ambiguous shape')}`, { layout: 'nchw' })).summary.notes[0]).toBe('NCHW layout, uint8');
  });
});

describe('cifar100 and idx: sources', () => {
  it('reads CIFAR-100 binaries with fine labels, or the 20 coarse ones', async () => {
    const root = fresh('c100');
    writeCifar100Dir(root, 200, 50);
    const fine = await pack(`cifar100:${root}`);
    expect([fine.classes.length, fine.classes[0], fine.shape, fine.summary.counts.train[7]]).toEqual([100, 'apple', [32, 32, 3], 2]);
    const { decoded } = await readPack(fine.path);
    for (const p of [0, 1, 2, 3071]) expect(decoded.pool.images[3 * 3072 + p]).toBe(pixel(3, p));
    const coarse = await pack(`cifar100:${root}`, { labels: 'coarse' });
    expect([coarse.classes.length, coarse.classes[0], coarse.summary.counts.train[0]]).toEqual([20, 'aquatic_mammals', 10]);
    process.env.BLOCKQNN_CIFAR100_DIR = root;
    try {
      expect((await pack('cifar100')).sha256).toBe(fine.sha256);
    } finally {
      delete process.env.BLOCKQNN_CIFAR100_DIR;
    }
    writeFileSync(join(root, 'test.bin'), new Uint8Array(3073 * 2));
    expect((await rejection(pack(`cifar100:${root}`))).message).toMatch(/test.bin: truncated or wrong file.*is this CIFAR-10\?/);
  });

  it('reads any IDX quadruple, prefixed names included, and names a missing file', async () => {
    const root = fresh('idx');
    writeFashionDir(root, 30, 10);
    for (const f of readdirSync(root)) copyFileSync(join(root, f), join(root, `emnist-x-${f}`));
    for (const f of readdirSync(root)) if (!f.startsWith('emnist')) rmSync(join(root, f));
    const got = await pack(`idx:${root}`);
    expect([got.shape, got.classes.length, got.summary.counts.test]).toEqual([[28, 28, 1], 10, new Array(10).fill(1)]);
    rmSync(join(root, 'emnist-x-t10k-labels-idx1-ubyte'));
    const error = await rejection(pack(`idx:${root}`));
    expect([error.code, error.message]).toEqual([ErrorCode.NOT_FOUND, expect.stringMatching(/t10k-labels-idx1-ubyte or .* not found in/)]);
  });
});

describe('packs on a host that lacks them', () => {
  it('fetches a missing pack through the installed fetcher, verifying its sha-256', async () => {
    const root = fresh('fetch');
    await writePngs(root, await pickPerClass(5, 2));
    const got = await pack(`folder:${root}`);
    const elsewhere = fresh('worker-data');
    const bytes = readFileSync(got.path);
    let calls = 0;
    setPackFetcher(async (sha, dest) => {
      calls += 1;
      writeFileSync(dest, sha === got.sha256 ? bytes : Buffer.from('corrupt'));
    });
    try {
      clearDatasetMemo();
      const spec = { name: 'folder:/not/on/this/host', pack: got.sha256, validationSize: 2 };
      const [a, b] = await Promise.all([
        loadDataset(spec, { dataDir: elsewhere, cache: false }),
        loadDataset(spec, { dataDir: elsewhere, cache: false }),
      ]);
      expect([calls, a.train.count, b.classes]).toEqual([1, 6, CLASS_DIRS.slice(0, 2)]);
      expect(readdirSync(elsewhere)).toEqual([`${got.sha256}.bqds`]);
      const other = 'ab'.repeat(32);
      const error = await rejection(loadDataset({ name: 'x', pack: other }, { dataDir: elsewhere, cache: false }));
      expect(error.message).toMatch(/corrupted in transfer/);
      expect(readdirSync(elsewhere)).toEqual([`${got.sha256}.bqds`]);
    } finally {
      setPackFetcher(undefined);
    }
    const none = await rejection(loadDataset({ name: 'x', pack: 'cd'.repeat(32) }, { dataDir: elsewhere, cache: false }));
    expect([none.code, none.message]).toEqual([ErrorCode.NOT_FOUND, expect.stringContaining(`is not in ${elsewhere}`)]);
  });
});
