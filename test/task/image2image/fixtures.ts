/** Shared inputs of the image2image tests: the bundled MNIST digits as an example source. */
import { loadDataset } from '../../../src/datasets/load.js';
import type { ExampleSource } from '../../../src/task/image2image/examples.js';

/** The mnist package's training split (no disk cache: tests must not share files). */
export async function mnistSource(): Promise<ExampleSource> {
  const data = await loadDataset({ name: 'mnist' }, { cache: false });
  return { ...data.train, shape: data.shape };
}

/** A random RGB source of `count` 32 × 32 images (CIFAR-10's shape), labels cycling 0..9. */
export function rgbSource(count: number): ExampleSource {
  let state = 12345;
  const images = Uint8Array.from({ length: count * 32 * 32 * 3 }, () => (state = (state * 1103515245 + 12345) >>> 0) >>> 24);
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, shape: [32, 32, 3] };
}
