/**
 * Searches on the user's own data through the built CLI, Redis, real worker
 * processes (tfjs) and SQLite: an ImageFolder of real Fashion-MNIST PNGs with
 * train/ and test/, an .npz written by numpy, CIFAR-100 binaries in the official
 * layout and an IDX quadruple; `data inspect` and `data pack` as a user types
 * them; a bad source stopped before anything is recorded; and workers in
 * network namespaces, with empty data folders, that get the data by hash from
 * Redis alone (the source folder is deleted before they run).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256File } from '../../src/datasets/packs.js';
import { numpySave, pickPerClass, writeCifar100Dir, writePngs } from '../datasets/source-fixtures.js';
import { writeFashionDir } from '../datasets/fixtures.js';
import {
  BIN,
  candidatesOf,
  cli,
  eventually,
  onCleanup,
  readStore,
  REDIS,
  runIdOf,
  start,
  startCli,
  startRedis,
  uniquePrefix,
} from './harness.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-e2e-data-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A search cheap enough for a shared CPU: 8×8 images, one epoch, a tiny network, two candidates. */
const tinySearch = (dataset: string, db: string, prefix: string, extra: string[] = []): string[] => [
  'search',
  '--dataset',
  dataset,
  '--engine',
  'tfjs',
  '--image-size',
  '8',
  '--epochs',
  '1',
  '--batch-size',
  '16',
  '--budget',
  '2',
  '--max-in-flight',
  '2',
  '--blocks',
  '1',
  '--base-filters',
  '4',
  '--stages',
  '2',
  '--max-index',
  '4',
  '--db',
  db,
  '--redis',
  REDIS,
  '--prefix',
  prefix,
  ...extra,
];

async function searchOn(
  dataset: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<{ output: string; rows: Awaited<ReturnType<typeof candidatesOf>> }> {
  const dir = tempDir();
  const db = `file:${join(dir, 'runs.db')}`;
  const search = startCli(`search ${dataset}`, tinySearch(dataset, db, uniquePrefix('data'), ['--workers', '1', ...extra]), {
    BLOCKQNN_CACHE_DIR: join(dir, 'cache'),
    ...env,
  });
  const runId = await runIdOf(search);
  expect(await search.done(240_000), search.output).toBe(0);
  return { output: search.output, rows: await candidatesOf(await readStore(db), runId) };
}

describe('searches on every kind of source', () => {
  it('an ImageFolder of real Fashion-MNIST PNGs (10 classes, train/ and test/): inspect, pack, search', async () => {
    const root = join(tempDir(), 'fashion');
    await writePngs(join(root, 'train'), await pickPerClass(12));
    await writePngs(join(root, 'test'), await pickPerClass(3, 10, 5000));
    const cache = join(tempDir(), 'cache');
    const inspected = await cli(['data', 'inspect', `folder:${root}`, '--json'], { env: { BLOCKQNN_CACHE_DIR: cache } });
    expect(inspected.code, inspected.stderr).toBe(0);
    const report = JSON.parse(inspected.stdout) as {
      hash: string;
      path: string;
      shape: number[];
      classes: { name: string; counts: { train: number; test: number } }[];
      samples: string;
    };
    expect(report.shape).toEqual([28, 28, 1]);
    expect(report.classes.map((c) => [c.counts.train, c.counts.test])).toEqual(new Array(10).fill([12, 3]));
    expect(existsSync(report.samples)).toBe(true);
    const text = await cli(['data', 'inspect', `folder:${root}`], { env: { BLOCKQNN_CACHE_DIR: cache } });
    expect(text.stdout).toMatch(/classes {2}10\n/);
    expect(text.stdout).toMatch(/total +120 +30/);
    const out = join(tempDir(), 'fashion.bqds');
    const packed = await cli(['data', 'pack', `folder:${root}`, '--out', out], { env: { BLOCKQNN_CACHE_DIR: cache } });
    expect(packed.code, packed.stderr).toBe(0);
    expect(JSON.parse(packed.stdout)).toMatchObject({ sha256: report.hash, images: 150, classes: 10 });
    expect(await sha256File(out)).toBe(report.hash);

    const { output, rows } = await searchOn(`folder:${root}`);
    // --image-size resizes a folder while it is decoded, so the pack holds 8×8 images.
    expect(output).toMatch(/dataset folder:.*: decoded 150 images .*10 classes, 8×8×1; pack [0-9a-f]{12} .*8×8×1 \(resized\), grey/);
    expect(output).toMatch(/dataset pack [0-9a-f]{12} published on Redis/);
    expect(rows.map((r) => r.status)).toEqual(['ok', 'ok']);
  });

  it('an .npz, CIFAR-100 binaries and an IDX quadruple', async () => {
    const dir = tempDir();
    numpySave([
      {
        path: join(dir, 'data.npz'),
        code: 'rng = np.random.default_rng(0)\narrays = dict(x_train=rng.integers(0, 256, (60, 3, 12, 12), dtype=np.uint8), y_train=np.arange(60) % 3, x_test=rng.integers(0, 256, (15, 3, 12, 12), dtype=np.uint8), y_test=np.arange(15) % 3)',
      },
    ]);
    writeCifar100Dir(join(dir, 'cifar-100-binary'), 200, 40);
    mkdirSync(join(dir, 'idx'));
    writeFashionDir(join(dir, 'idx'), 60, 20);
    // Side by side: each search mostly waits for its processes to start.
    const [npz, cifar, idx] = await Promise.all([
      searchOn(`npz:${join(dir, 'data.npz')}`),
      searchOn('cifar100', ['--labels', 'coarse'], { BLOCKQNN_CIFAR100_DIR: dir }),
      searchOn(`idx:${join(dir, 'idx')}`),
    ]);
    expect(npz.output).toMatch(/3 classes, 12×12×3; .*NCHW layout, uint8/);
    expect(idx.output).toMatch(/10 classes, 28×28×1/);
    for (const { rows } of [npz, cifar, idx]) expect(rows.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(cifar.output).toMatch(/20 classes, 32×32×3; .*20 coarse labels/);
  }, 600_000);

  it('a bad source stops the search before anything is recorded, naming the file and the fix', async () => {
    const dir = tempDir();
    const db = `file:${join(dir, 'runs.db')}`;
    const root = join(dir, 'bad');
    await writePngs(root, await pickPerClass(2, 2));
    mkdirSync(join(root, 'empty_class'));
    const r = await cli(tinySearch(`folder:${root}`, db, uniquePrefix('data-bad'), ['--workers', '0']), {
      env: { BLOCKQNN_CACHE_DIR: join(dir, 'cache') },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error \[INVALID_INPUT\]: .*empty_class: is an empty class folder/);
    expect(r.stderr).toMatch(/add images to it or remove the folder/);
    // Refused before the store was opened: no database file, so nothing can have been recorded.
    expect(existsSync(join(dir, 'runs.db'))).toBe(false);
    const runs = await cli(['runs', '--db', db, '--json']);
    expect([runs.code, runs.stderr]).toEqual([2, expect.stringMatching(/does not exist/)]);
  });
}, 600_000);
