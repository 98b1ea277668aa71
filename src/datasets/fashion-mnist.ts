/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017): 70,000 28 × 28 grey images of 10
 * clothing classes, as four IDX files. Debian's `dataset-fashion-mnist` package
 * installs them gzip-compressed under /usr/share/datasets/fashion-mnist; a user
 * directory may hold them compressed or not.
 */
import { badFile, findFile } from './source-files.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxFile } from './idx.js';
import type { IdxArray } from './idx.js';
import type { DatasetSource, DecodedSource, ImageSet, SourceFingerprint } from './types.js';

export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

const HINT =
  `install Debian's package (\`apt-get install dataset-fashion-mnist\`, files in ${FASHION_MNIST_DEBIAN_DIR}), ` +
  `or put ${FILES.map((f) => `${f}.gz`).join(', ')} from https://github.com/zalandoresearch/fashion-mnist ` +
  'in a directory and point $BLOCKQNN_FASHION_MNIST_DIR at it (on every host whose workers train)';

function dirOf(dir: string | undefined): string {
  return dir ?? FASHION_MNIST_DEBIAN_DIR;
}

async function findAll(dir: string): Promise<SourceFingerprint> {
  const files = [];
  for (const base of FILES) files.push(await findFile(dir, [`${base}.gz`, base], { dataset: 'Fashion-MNIST', hint: HINT }));
  return { origin: dir, files };
}

/** Checks a pair of image and label files against each other and the 28 × 28 × 10-class format. */
function toImageSet(images: IdxArray, imagesFile: string, labels: IdxArray, labelsFile: string): ImageSet {
  const [count, height, width] = images.dims;
  if (height !== 28 || width !== 28) {
    throw badFile(imagesFile, `images are ${height} × ${width}, Fashion-MNIST's are 28 × 28; wrong dataset?`, HINT);
  }
  if (labels.dims[0] !== count) {
    throw badFile(
      labelsFile,
      `holds ${labels.dims[0]} labels but ${imagesFile} holds ${count} images; the files do not belong together`,
      HINT,
    );
  }
  const bad = labels.data.findIndex((label) => label >= CLASSES.length);
  if (bad >= 0) throw badFile(labelsFile, `label ${labels.data[bad]} at index ${bad} is not a class index 0..9`, HINT);
  return { images: images.data, labels: labels.data, count: count! };
}

export const fashionMnistSource: DatasetSource = {
  name: 'fashion-mnist',
  description: 'Fashion-MNIST: 60,000 + 10,000 28×28 grey clothing images, 10 classes (IDX files, Debian dataset-fashion-mnist)',
  classes: CLASSES,
  shape: [28, 28, 1],
  defaultDir: FASHION_MNIST_DEBIAN_DIR,

  fingerprint: (dir) => findAll(dirOf(dir)),

  async decode(dir): Promise<DecodedSource> {
    const paths = (await findAll(dirOf(dir))).files.map((f) => f.path);
    const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
      paths.map((path, i) => readIdxFile(path, i % 2 === 0 ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC, HINT)),
    );
    return {
      shape: [28, 28, 1],
      pool: toImageSet(trainImages!, paths[0]!, trainLabels!, paths[1]!),
      test: toImageSet(testImages!, paths[2]!, testLabels!, paths[3]!),
    };
  },
};
