import { describe, expect, it } from 'vitest';
import { convertChannels, gather, imagesAsFloat32, resizeImages } from '../../src/datasets/transform.js';
import type { ImageSet } from '../../src/datasets/types.js';

const set = (images: number[], count: number): ImageSet => ({ images: Uint8Array.from(images), labels: new Uint8Array(count), count });

describe('resizeImages', () => {
  // One 4 × 4 grey image, values 0..15 row by row.
  const ramp = set(
    Array.from({ length: 16 }, (_, i) => i * 10),
    1,
  );

  it('area: 4 → 2 averages each 2 × 2 block exactly', () => {
    const out = resizeImages(ramp, [4, 4, 1], 2, 2, 'area');
    // Blocks: (0,10,40,50) → 25, (20,30,60,70) → 45, (80,90,120,130) → 105, (100,110,140,150) → 125.
    expect([...out.images]).toEqual([25, 45, 105, 125]);
  });

  it('area: 3 → 2 weighs partly covered pixels by their overlap', () => {
    const row = set([0, 90, 180, 0, 90, 180, 0, 90, 180], 1); // 3 × 3, every row 0 90 180
    const out = resizeImages(row, [3, 3, 1], 2, 2, 'area');
    // Output column 0 covers [0, 1.5): (1·0 + 0.5·90) / 1.5 = 30; column 1: (0.5·90 + 1·180) / 1.5 = 150.
    expect([...out.images]).toEqual([30, 150, 30, 150]);
  });

  it('nearest: picks floor((o + 0.5) · in / out)', () => {
    const out = resizeImages(ramp, [4, 4, 1], 2, 2, 'nearest');
    // Rows and columns 1 and 3.
    expect([...out.images]).toEqual([50, 70, 130, 150]);
  });

  it('keeps channels apart and resizes every image of a set', () => {
    // Two 2 × 2 RGB images: image n has R = 10n + pixel, G = 100, B = 200.
    const images: number[] = [];
    for (let n = 0; n < 2; n++) for (let p = 0; p < 4; p++) images.push(10 * n + p, 100, 200);
    const out = resizeImages(set(images, 2), [2, 2, 3], 1, 1, 'area');
    expect([...out.images]).toEqual([2, 100, 200, 12, 100, 200]); // means 1.5 → 2, 11.5 → 12
  });

  it('returns the same set when the size already matches', () => {
    expect(resizeImages(ramp, [4, 4, 1], 4, 4, 'area')).toBe(ramp);
  });
});

describe('convertChannels', () => {
  it('replicates grey into three channels', () => {
    expect([...convertChannels(set([7, 200], 1), [1, 2, 1], 3).images]).toEqual([7, 7, 7, 200, 200, 200]);
  });

  it('reduces colour to BT.601 luminance', () => {
    const out = convertChannels(set([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30], 1), [2, 2, 3], 1);
    expect([...out.images]).toEqual([76, 150, 29, 18]); // 0.299·255, 0.587·255, 0.114·255, 2.99+11.74+3.42
  });
});

describe('gather and imagesAsFloat32', () => {
  it('copies the chosen images and labels in the given order', () => {
    const source: ImageSet = { images: Uint8Array.of(1, 1, 2, 2, 3, 3), labels: Uint8Array.of(4, 5, 6), count: 3 };
    const out = gather(source, [1, 2, 1], Uint32Array.of(2, 0));
    expect([...out.images]).toEqual([3, 3, 1, 1]);
    expect([...out.labels]).toEqual([6, 4]);
  });

  it('scales a batch of bytes to [0, 1]', () => {
    const floats = imagesAsFloat32(set([0, 51, 255, 128], 2), [1, 2, 1], 1, 1);
    expect([...floats]).toEqual([Math.fround(1), Math.fround(128 / 255)]);
  });
});
