/**
 * Packing benchmark: writes Fashion-MNIST's training images (Debian's
 * dataset-fashion-mnist) as a PNG ImageFolder, then packs it in a fresh child
 * process and reports images/s decoded and the child's peak RSS, beside the
 * same images packed from the IDX files (`idx:`), and at a few folder sizes so
 * the growth of memory with the folder shows.
 *
 *   npx tsx bench/pack-folder.ts [--sizes 10000,30000,60000] [--json]
 *
 * Prints one JSON object. Peak RSS = node + libvips + the decoded pixels
 * (N × 784 bytes for Fashion-MNIST) + the pack written from them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { FASHION_MNIST_DEBIAN_DIR } from '../src/datasets/fashion-mnist.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxFile } from '../src/datasets/idx.js';
import { idxBytesOf } from './pack-folder-idx.js';

if (process.argv[2] === '--child') {
  // The measured process: one pack, then its own peak RSS.
  const { packSource } = await import('../src/datasets/packs.js');
  const started = performance.now();
  const pack = await packSource(process.argv[3]!, {}, { dataDir: process.argv[4]!, force: true });
  const seconds = (performance.now() - started) / 1000;
  const images = pack.summary.counts.train.reduce((a, b) => a + b, 0) + pack.summary.counts.test.reduce((a, b) => a + b, 0);
  process.stdout.write(JSON.stringify({ images, seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, packMB: pack.bytes / 2 ** 20 }));
  process.exit(0);
}

const sizes = (process.argv.includes('--sizes') ? process.argv[process.argv.indexOf('--sizes') + 1]! : '10000,30000,60000')
  .split(',')
  .map(Number);
const work = mkdtempSync(join(tmpdir(), 'blockqnn-bench-pack-'));
try {
  const [x, y] = await Promise.all([
    readIdxFile(join(FASHION_MNIST_DEBIAN_DIR, 'train-images-idx3-ubyte.gz'), IDX_IMAGES_MAGIC, ''),
    readIdxFile(join(FASHION_MNIST_DEBIAN_DIR, 'train-labels-idx1-ubyte.gz'), IDX_LABELS_MAGIC, ''),
  ]);
  const largest = Math.max(...sizes);
  const all = join(work, 'png');
  const writeStart = performance.now();
  for (let c = 0; c < 10; c++) mkdirSync(join(all, `class${c}`), { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < largest; i++) {
    const path = join(all, `class${y.data[i]}`, `${String(i).padStart(5, '0')}.png`);
    await sharp(Buffer.from(x.data.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(path);
    paths.push(path);
  }
  const writeSeconds = (performance.now() - writeStart) / 1000;
  const child = (source: string) =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', source, join(work, `packs-${Math.random()}`)], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }),
    ) as { images: number; seconds: number; peakRssMB: number; packMB: number };
  const rows = [];
  for (const size of sizes) {
    // A folder of the first `size` images, as links to the same PNG files.
    const folder = join(work, `folder-${size}`);
    for (let c = 0; c < 10; c++) mkdirSync(join(folder, `class${c}`), { recursive: true });
    for (let i = 0; i < size; i++) symlinkSync(paths[i]!, join(folder, `class${y.data[i]}`, `${String(i).padStart(5, '0')}.png`));
    const idx = join(work, `idx-${size}`);
    mkdirSync(idx);
    writeFileSync(join(idx, 'train-images-idx3-ubyte'), idxBytesOf([size, 28, 28], x.data.subarray(0, size * 784)));
    writeFileSync(join(idx, 'train-labels-idx1-ubyte'), idxBytesOf([size], y.data.subarray(0, size)));
    writeFileSync(join(idx, 't10k-images-idx3-ubyte'), idxBytesOf([10, 28, 28], x.data.subarray(0, 10 * 784)));
    writeFileSync(join(idx, 't10k-labels-idx1-ubyte'), idxBytesOf([10], y.data.subarray(0, 10)));
    const png = child(`folder:${folder}`);
    const raw = child(`idx:${idx}`);
    rows.push({
      images: size,
      folder: {
        imagesPerSecond: Math.round(png.images / png.seconds),
        seconds: +png.seconds.toFixed(2),
        peakRssMB: Math.round(png.peakRssMB),
        packMB: +png.packMB.toFixed(1),
      },
      idx: {
        imagesPerSecond: Math.round(raw.images / raw.seconds),
        seconds: +raw.seconds.toFixed(2),
        peakRssMB: Math.round(raw.peakRssMB),
      },
    });
  }
  process.stdout.write(
    `${JSON.stringify({ bench: 'pack-folder', dataset: 'Fashion-MNIST train, 28×28 grey PNG', cpus: (await import('node:os')).cpus().length, writeSeconds: +writeSeconds.toFixed(1), rows }, null, 2)}\n`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
  void execFileSync;
}
