/**
 * `idx:DIR` — any MNIST-format quadruple (MNIST, Fashion-MNIST, KMNIST, EMNIST…):
 * four IDX files, gzip or raw, named `*train-images-idx3-ubyte`,
 * `*train-labels-idx1-ubyte`, `*t10k-images-idx3-ubyte` (or `*test-images…`) and
 * the matching labels; EMNIST's `emnist-letters-train-images-idx3-ubyte` matches
 * too. Classes are 0..max label, named by `classes.txt` (one name a line) if present.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BlockqnnError, ErrorCode, EnvironmentError } from '../../common/errors.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxFile } from '../idx.js';
import { badFile, findFile } from '../source-files.js';
import type { ImageSet, SourceFingerprint } from '../types.js';
import { checkClassCount } from './common.js';
import type { DecodedPack, SourceKind } from './types.js';

const HINT =
  'idx:DIR needs four IDX files in DIR (gzip or raw): train-images-idx3-ubyte, train-labels-idx1-ubyte, ' +
  't10k-images-idx3-ubyte (or test-images-…) and t10k-labels-idx1-ubyte; a prefix such as emnist-letters- is fine';

const ROLES = [
  { role: 'train images', file: 'train-images-idx3-ubyte', pattern: /train-images-idx3-ubyte(\.gz)?$/ },
  { role: 'train labels', file: 'train-labels-idx1-ubyte', pattern: /train-labels-idx1-ubyte(\.gz)?$/ },
  { role: 'test images', file: 't10k-images-idx3-ubyte', pattern: /(t10k|test)-images-idx3-ubyte(\.gz)?$/ },
  { role: 'test labels', file: 't10k-labels-idx1-ubyte', pattern: /(t10k|test)-labels-idx1-ubyte(\.gz)?$/ },
] as const;

async function findAll(arg: string | undefined): Promise<SourceFingerprint> {
  if (!arg) throw new BlockqnnError(ErrorCode.INVALID_CONFIG, 'idx: needs a directory, e.g. --dataset idx:./kmnist', { hint: HINT });
  const dir = resolve(arg);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    const problem = `idx source ${dir} is not a readable directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    throw new EnvironmentError('dataset_missing', ErrorCode.NOT_FOUND, problem, { hint: HINT, details: { dir } });
  }
  const files = [];
  for (const { role, file, pattern } of ROLES) {
    const matches = names.filter((n) => pattern.test(n));
    if (matches.length > 1)
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, `${dir} holds several ${role} files (${matches.join(', ')})`, {
        hint: 'keep one IDX quadruple per directory',
      });
    files.push(await findFile(dir, matches.length === 1 ? matches : [file, `${file}.gz`], { dataset: 'IDX', hint: HINT }));
  }
  return { origin: dir, files };
}

async function classNames(dir: string, count: number): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(dir, 'classes.txt'), 'utf8');
  } catch {
    return Array.from({ length: count }, (_, i) => String(i));
  }
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (names.length !== count)
    throw badFile(
      join(dir, 'classes.txt'),
      `names ${names.length} classes but the labels run 0..${count - 1} (${count} classes)`,
      'one class name a line, in label order',
    );
  return names;
}

export const idxSource: SourceKind = {
  scheme: 'idx',
  description: 'an MNIST-format IDX quadruple in a directory (EMNIST, KMNIST, ...)',
  usage: 'idx:DIR',
  options: [],
  fingerprint: (arg) => findAll(arg),
  async decode(arg): Promise<DecodedPack> {
    const { origin, files } = await findAll(arg);
    const [xi, yi, xt, yt] = await Promise.all(
      files.map((f, i) => readIdxFile(f.path, i % 2 === 0 ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC, HINT)),
    );
    const [, h, w] = xi!.dims as [number, number, number];
    if (xt!.dims[1] !== h || xt!.dims[2] !== w)
      throw badFile(
        files[2]!.path,
        `test images are ${xt!.dims[1]} × ${xt!.dims[2]}, training images ${h} × ${w}`,
        'both image files must come from the same dataset',
      );
    const set = (images: typeof xi, labels: typeof yi, imagesFile: string, labelsFile: string): ImageSet => {
      if (labels!.dims[0] !== images!.dims[0])
        throw badFile(
          labelsFile,
          `holds ${labels!.dims[0]} labels but ${imagesFile} holds ${images!.dims[0]} images; the files do not belong together`,
          HINT,
        );
      return { images: images!.data, labels: labels!.data, count: images!.dims[0]! };
    };
    const pool = set(xi, yi, files[0]!.path, files[1]!.path);
    const test = set(xt, yt, files[2]!.path, files[3]!.path);
    const count = Math.max(...pool.labels) + 1;
    checkClassCount(origin, count, HINT);
    const outside = test.labels.findIndex((l) => l >= count);
    if (outside >= 0)
      throw badFile(
        files[3]!.path,
        `label ${test.labels[outside]} at index ${outside} is outside the training labels 0..${count - 1}`,
        "the test labels must use the training set's classes",
      );
    return {
      classes: await classNames(origin, count),
      shape: [h, w, 1],
      pool,
      test,
      notes: [`IDX ${h}×${w} grey, ${count} classes (0..${count - 1})`],
    };
  },
};
