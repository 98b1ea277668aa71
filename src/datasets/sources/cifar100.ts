/**
 * `cifar100` (or `cifar100:DIR`) — CIFAR-100 (Krizhevsky, 2009), binary version:
 * `train.bin` (50,000 records) and `test.bin` (10,000), each record 3,074 bytes —
 * the coarse label, the fine label, then the 32 × 32 red, green and blue planes,
 * row-major. Fine labels (100 classes) by default, `--labels coarse` for the 20
 * superclasses. The directory: `cifar100:DIR`, else `$BLOCKQNN_CIFAR100_DIR`, else
 * `./cifar-100-binary`; the parent of an extracted `cifar-100-binary` works too.
 * Any whole number of records is accepted, so small hand-made files work.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { badFile, fileExists, findFile } from '../source-files.js';
import type { ImageSet, SourceFingerprint } from '../types.js';
import type { DecodedPack, SourceKind } from './types.js';

export const CIFAR100_RECORD_BYTES = 3074;
export const CIFAR100_FOLDER = 'cifar-100-binary';
const PLANE = 32 * 32;

const HINT =
  'download the binary version, cifar-100-binary.tar.gz, from https://www.cs.toronto.edu/~kriz/cifar.html, ' +
  `extract it (tar xzf) and pass the ${CIFAR100_FOLDER} directory as --dataset cifar100:DIR (or set $BLOCKQNN_CIFAR100_DIR)`;

// The names in the archive's fine_label_names.txt and coarse_label_names.txt, in label order.
export const CIFAR100_FINE = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle caterpillar cattle ' +
  'chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard ' +
  'lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree ' +
  'plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider ' +
  'squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm'
).split(' ');
export const CIFAR100_COARSE = (
  'aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices household_furniture insects large_carnivores ' +
  'large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores medium_mammals non-insect_invertebrates people ' +
  'reptiles small_mammals trees vehicles_1 vehicles_2'
).split(' ');

async function resolveDir(arg: string | undefined): Promise<string> {
  const base = resolve(arg || process.env.BLOCKQNN_CIFAR100_DIR || CIFAR100_FOLDER);
  if (await fileExists(join(base, 'train.bin'))) return base;
  if (await fileExists(join(base, CIFAR100_FOLDER, 'train.bin'))) return join(base, CIFAR100_FOLDER);
  if (await fileExists(join(base, 'train')))
    throw badFile(base, 'holds the Python (pickle) version of CIFAR-100; blockqnn reads the binary version', HINT);
  return base;
}

async function findAll(arg: string | undefined): Promise<SourceFingerprint> {
  const dir = await resolveDir(arg);
  const files = [];
  for (const name of ['train.bin', 'test.bin']) files.push(await findFile(dir, [name], { dataset: 'CIFAR-100', hint: HINT }));
  return { origin: dir, files };
}

async function decodeFile(path: string, coarse: boolean): Promise<ImageSet> {
  const bytes = await readFile(path);
  if (bytes.length === 0) throw badFile(path, 'is empty; the download is incomplete', HINT);
  if (bytes.length % CIFAR100_RECORD_BYTES !== 0) {
    const hint = bytes.length % 3073 === 0 ? ' (a multiple of 3,073 bytes: is this CIFAR-10? use --dataset cifar10)' : '';
    throw badFile(
      path,
      `truncated or wrong file: ${bytes.length} bytes is not a whole number of ${CIFAR100_RECORD_BYTES}-byte records${hint}`,
      HINT,
    );
  }
  const count = bytes.length / CIFAR100_RECORD_BYTES;
  const images = new Uint8Array(count * PLANE * 3);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const r = n * CIFAR100_RECORD_BYTES;
    const [c, f] = [bytes[r]!, bytes[r + 1]!];
    if (c >= CIFAR100_COARSE.length || f >= CIFAR100_FINE.length) {
      throw badFile(path, `record ${n} has coarse label ${c} and fine label ${f}; CIFAR-100's are 0..19 and 0..99`, HINT);
    }
    labels[n] = coarse ? c : f;
    const out = n * PLANE * 3;
    for (let p = 0; p < PLANE; p++) {
      images[out + p * 3] = bytes[r + 2 + p]!;
      images[out + p * 3 + 1] = bytes[r + 2 + PLANE + p]!;
      images[out + p * 3 + 2] = bytes[r + 2 + 2 * PLANE + p]!;
    }
  }
  return { images, labels, count };
}

export const cifar100Source: SourceKind = {
  scheme: 'cifar100',
  description: 'CIFAR-100 binary version (train.bin, test.bin); fine labels, or --labels coarse',
  usage: 'cifar100[:DIR]',
  options: ['labels'],
  fingerprint: (arg) => findAll(arg),
  async decode(arg, options): Promise<DecodedPack> {
    const { files } = await findAll(arg);
    const coarse = options.labels === 'coarse';
    return {
      classes: coarse ? CIFAR100_COARSE : CIFAR100_FINE,
      shape: [32, 32, 3],
      pool: await decodeFile(files[0]!.path, coarse),
      test: await decodeFile(files[1]!.path, coarse),
      notes: [coarse ? '20 coarse labels (superclasses)' : '100 fine labels'],
    };
  },
};
