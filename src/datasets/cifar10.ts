/**
 * CIFAR-10 (Krizhevsky, 2009), binary version: data_batch_1.bin … data_batch_5.bin
 * (training pool) and test_batch.bin, each a sequence of 3,073-byte records — one
 * label byte, then the 32 × 32 red plane, the green plane and the blue plane, each
 * row-major. The real files hold 10,000 records each; any whole number of records
 * is accepted so that small hand-made directories work too.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { badFile, fileExists, findFile } from './source-files.js';
import type { DatasetSource, DecodedSource, FileFingerprint, ImageSet, SourceFingerprint } from './types.js';

export const CIFAR10_RECORD_BYTES = 3073;
const PLANE = 32 * 32;

export const CIFAR10_TRAIN_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
] as const;
export const CIFAR10_TEST_FILE = 'test_batch.bin';

/** The folder `cifar-10-binary.tar.gz` extracts to; also the default directory under the working directory. */
export const CIFAR10_FOLDER = 'cifar-10-batches-bin';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

const HINT =
  'download the binary version, cifar-10-binary.tar.gz, from https://www.cs.toronto.edu/~kriz/cifar.html, ' +
  `extract it (tar xzf) and point $BLOCKQNN_CIFAR10_DIR at the ${CIFAR10_FOLDER} directory (on every host whose workers train)`;

/** The user's directory, or its cifar-10-batches-bin subfolder when the archive was extracted inside it. */
async function resolveDir(dir: string | undefined): Promise<string> {
  const base = resolve(dir ?? CIFAR10_FOLDER);
  if (await fileExists(join(base, CIFAR10_TRAIN_FILES[0]))) return base;
  if (await fileExists(join(base, CIFAR10_FOLDER, CIFAR10_TRAIN_FILES[0]))) return join(base, CIFAR10_FOLDER);
  if (await fileExists(join(base, 'data_batch_1'))) {
    throw new BlockqnnError(
      ErrorCode.INVALID_INPUT,
      `${base} holds the Python (pickle) version of CIFAR-10; blockqnn reads the binary version`,
      {
        hint: HINT,
        details: { dir: base },
      },
    );
  }
  return base;
}

async function findAll(dir: string | undefined): Promise<SourceFingerprint> {
  const base = await resolveDir(dir);
  const files = [];
  for (const name of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE])
    files.push(await findFile(base, [name], { dataset: 'CIFAR-10', hint: HINT }));
  return { origin: base, files };
}

function checkSize(file: string, size: number): void {
  const whole = Math.floor(size / CIFAR10_RECORD_BYTES);
  const extra = size % CIFAR10_RECORD_BYTES;
  if (size === 0) throw badFile(file, 'is empty; the download is incomplete', HINT);
  if (extra !== 0) {
    throw badFile(
      file,
      `truncated or wrong file: ${size} bytes is ${whole} whole ${CIFAR10_RECORD_BYTES}-byte records plus ${extra} bytes (a full batch is 30,730,000 bytes)`,
      HINT,
    );
  }
}

/**
 * Decodes whole records into channels-last images. Sizes are checked from the
 * stat first and files are read one at a time, so the peak memory is the
 * decoded set plus one 30 MB batch rather than twice the dataset.
 */
export async function decodeCifarFiles(files: readonly FileFingerprint[]): Promise<ImageSet> {
  for (const { path, size } of files) checkSize(path, size);
  const count = files.reduce((n, f) => n + f.size / CIFAR10_RECORD_BYTES, 0);
  const images = new Uint8Array(count * PLANE * 3);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const { path, size } of files) {
    const bytes = await readFile(path);
    if (bytes.length !== size) throw badFile(path, `changed while being read (${size} bytes, then ${bytes.length}); try again`, HINT);
    for (let r = 0; r < bytes.length; r += CIFAR10_RECORD_BYTES, n++) {
      const label = bytes[r]!;
      if (label >= CLASSES.length) {
        throw badFile(
          path,
          `record ${r / CIFAR10_RECORD_BYTES} has label ${label}, not a class index 0..9; is this CIFAR-100 or another file?`,
          HINT,
        );
      }
      labels[n] = label;
      const out = n * PLANE * 3;
      for (let p = 0; p < PLANE; p++) {
        images[out + p * 3] = bytes[r + 1 + p]!;
        images[out + p * 3 + 1] = bytes[r + 1 + PLANE + p]!;
        images[out + p * 3 + 2] = bytes[r + 1 + 2 * PLANE + p]!;
      }
    }
  }
  return { images, labels, count };
}

export const cifar10Source: DatasetSource = {
  name: 'cifar10',
  description: 'CIFAR-10: 50,000 + 10,000 32×32 colour images, 10 classes (binary version, from a directory you give)',
  classes: CLASSES,
  shape: [32, 32, 3],
  defaultDir: CIFAR10_FOLDER,

  fingerprint: (dir) => findAll(dir),

  async decode(dir): Promise<DecodedSource> {
    const { files } = await findAll(dir);
    return {
      shape: [32, 32, 3],
      pool: await decodeCifarFiles(files.slice(0, CIFAR10_TRAIN_FILES.length)),
      test: await decodeCifarFiles(files.slice(CIFAR10_TRAIN_FILES.length)),
    };
  },
};
