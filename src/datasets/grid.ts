/**
 * A sample grid for `blockqnn data inspect` and the dashboard: one row per class
 * (the first rows when there are many), the first `perClass` images of that
 * class in stored order, scaled up by whole pixels (nearest) so 28×28 digits
 * are visible, 2-pixel dark gaps between cells.
 */
import sharp from 'sharp';
import type { ImageSet, ImageShape } from './types.js';

export interface GridOptions {
  readonly perClass?: number;
  readonly maxRows?: number;
  /** Smallest cell side in pixels; images are scaled up by a whole factor to reach it. */
  readonly minCell?: number;
}

export interface SampleGrid {
  readonly png: Buffer;
  /** The class index of each row, top to bottom. */
  readonly rows: readonly number[];
  readonly width: number;
  readonly height: number;
}

const GAP = 2;

export async function sampleGrid(set: ImageSet, shape: ImageShape, classCount: number, options: GridOptions = {}): Promise<SampleGrid> {
  const perClass = options.perClass ?? 8;
  const [h, w, c] = shape;
  const scale = Math.max(1, Math.ceil((options.minCell ?? 32) / Math.max(h, w)));
  const picks: number[][] = Array.from({ length: classCount }, () => []);
  for (let i = 0; i < set.count; i++) {
    const list = picks[set.labels[i]!]!;
    if (list.length < perClass) list.push(i);
  }
  const rows = picks
    .map((list, k) => ({ k, list }))
    .filter((r) => r.list.length > 0)
    .slice(0, options.maxRows ?? 20);
  const cellW = w * scale;
  const cellH = h * scale;
  const width = Math.max(1, perClass * (cellW + GAP) - GAP);
  const height = Math.max(1, rows.length * (cellH + GAP) - GAP);
  const out = new Uint8Array(width * height * c).fill(32);
  rows.forEach(({ list }, r) => {
    list.forEach((index, col) => {
      const image = set.images.subarray(index * h * w * c, (index + 1) * h * w * c);
      for (let y = 0; y < cellH; y++) {
        for (let x = 0; x < cellW; x++) {
          const from = (Math.floor(y / scale) * w + Math.floor(x / scale)) * c;
          const to = ((r * (cellH + GAP) + y) * width + col * (cellW + GAP) + x) * c;
          for (let ch = 0; ch < c; ch++) out[to + ch] = image[from + ch]!;
        }
      }
    });
  });
  const png = await sharp(Buffer.from(out.buffer, out.byteOffset, out.byteLength), { raw: { width, height, channels: c as 1 | 3 } })
    .toColourspace(c === 1 ? 'b-w' : 'srgb')
    .png()
    .toBuffer();
  return { png, rows: rows.map((r) => r.k), width, height };
}
