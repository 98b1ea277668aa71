/**
 * Real small sources for the user-source tests, written to temp dirs: PNG
 * ImageFolders of real Fashion-MNIST images (Debian's dataset-fashion-mnist,
 * test set), .npz files written by numpy itself, and CIFAR-100 binaries in the
 * official record layout.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { FASHION_MNIST_DEBIAN_DIR } from '../../src/datasets/fashion-mnist.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxFile } from '../../src/datasets/idx.js';
import { pixel } from './fixtures.js';

export interface RealImages {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

let fashion: Promise<RealImages> | undefined;

/** Fashion-MNIST's 10,000 test images (28×28 grey) and labels. */
export function fashionTest(): Promise<RealImages> {
  fashion ??= Promise.all([
    readIdxFile(join(FASHION_MNIST_DEBIAN_DIR, 't10k-images-idx3-ubyte.gz'), IDX_IMAGES_MAGIC, ''),
    readIdxFile(join(FASHION_MNIST_DEBIAN_DIR, 't10k-labels-idx1-ubyte.gz'), IDX_LABELS_MAGIC, ''),
  ]).then(([x, y]) => ({ images: x.data, labels: y.data }));
  return fashion;
}

/** The first `perClass` images of each of the first `classes` classes, from `skip` on: [index into fashionTest]. */
export async function pickPerClass(perClass: number, classes = 10, skip = 0): Promise<number[]> {
  const { labels } = await fashionTest();
  const seen = new Array<number>(classes).fill(0);
  const out: number[] = [];
  for (let i = skip; i < labels.length; i++) {
    const c = labels[i]!;
    if (c < classes && seen[c]! < perClass) {
      seen[c]! += 1;
      out.push(i);
    }
  }
  return out;
}

export const CLASS_DIRS = [
  '0_tshirt',
  '1_trouser',
  '2_pullover',
  '3_dress',
  '4_coat',
  '5_sandal',
  '6_shirt',
  '7_sneaker',
  '8_bag',
  '9_boot',
];

/** Writes Fashion-MNIST images `indices` as grey PNGs under dir/<class>/; returns the paths in order. */
export async function writePngs(
  dir: string,
  indices: readonly number[],
  options: { rgb?: boolean; size?: number } = {},
): Promise<string[]> {
  const { images, labels } = await fashionTest();
  const paths: string[] = [];
  for (const i of indices) {
    const classDir = join(dir, CLASS_DIRS[labels[i]!]!);
    mkdirSync(classDir, { recursive: true });
    const path = join(classDir, `img${String(i).padStart(5, '0')}.png`);
    let image = sharp(Buffer.from(images.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } });
    if (options.size) image = image.resize(options.size, options.size);
    // sharp writes a one-channel raw image as an RGB PNG unless told it is grey.
    image = image.toColourspace(options.rgb ? 'srgb' : 'b-w');
    await image.png().toFile(path);
    paths.push(path);
  }
  return paths;
}

/**
 * Saves .npz files with numpy itself (python3-numpy), all in one Python process
 * (starting one costs a second or two): each `code` builds a dict `arrays` from `np`.
 */
export function numpySave(files: readonly { path: string; code: string; compressed?: boolean }[]): void {
  const program = ['import numpy as np'];
  for (const { path, code, compressed } of files) {
    program.push(code, `np.${compressed ? 'savez_compressed' : 'savez'}(${JSON.stringify(path)}, **arrays)`);
  }
  execFileSync('python3', ['-c', program.join('\n')], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** CIFAR-100 records: coarse = n % 20, fine = n % 100, planes from pixel(n, p * 3 + ch). */
export function cifar100Records(first: number, count: number): Uint8Array {
  const out = new Uint8Array(count * 3074);
  for (let k = 0; k < count; k++) {
    const n = first + k;
    out[k * 3074] = n % 20;
    out[k * 3074 + 1] = n % 100;
    for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 1024; p++) out[k * 3074 + 2 + ch * 1024 + p] = pixel(n, p * 3 + ch);
  }
  return out;
}

export function writeCifar100Dir(dir: string, train: number, test: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.bin'), cifar100Records(0, train));
  writeFileSync(join(dir, 'test.bin'), cifar100Records(train, test));
}
