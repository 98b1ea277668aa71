/** The arithmetic that maps PyTorch windows onto tfjs, checked against brute force. */
import { describe, expect, it } from 'vitest';
import { bilinearMatrix, excludePadScale, sameMatches, windowCounts, windowOutput } from '../../../src/engines/tfjs/geometry.js';

/** TF "same": ceil(in/s) outputs, floor(total/2) padding before. Windows listed as start offsets. */
function tfSameStarts(size: number, kernel: number, stride: number, dilation: number): number[] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0);
  return Array.from({ length: out }, (_, i) => i * stride - Math.floor(total / 2));
}

function torchStarts(size: number, kernel: number, stride: number, pad: number, dilation: number): number[] {
  return Array.from({ length: Math.max(windowOutput(size, kernel, stride, pad, dilation), 0) }, (_, i) => i * stride - pad);
}

describe('sameMatches', () => {
  it('is true exactly when TF "same" produces the same windows as the symmetric padding', () => {
    for (let size = 1; size <= 12; size++)
      for (const kernel of [1, 2, 3, 4, 5, 7])
        for (const stride of [1, 2, 3])
          for (const dilation of [1, 2])
            for (let pad = 0; pad <= 4; pad++) {
              if (windowOutput(size, kernel, stride, pad, dilation) < 1) continue;
              const same =
                JSON.stringify(tfSameStarts(size, kernel, stride, dilation)) ===
                JSON.stringify(torchStarts(size, kernel, stride, pad, dilation));
              expect(sameMatches(size, kernel, stride, pad, dilation), `size ${size} k ${kernel} s ${stride} d ${dilation} p ${pad}`).toBe(
                same,
              );
            }
  });

  it('covers the common cases', () => {
    expect(sameMatches(32, 3, 1, 1)).toBe(true);
    expect(sameMatches(32, 5, 1, 2)).toBe(true);
    // ResNet's stride-2 3×3 conv on an even input: TF pads 0 before, PyTorch 1.
    expect(sameMatches(32, 3, 2, 1)).toBe(false);
    expect(sameMatches(7, 3, 2, 1)).toBe(true);
  });
});

describe('average pooling without padding in the divisor', () => {
  it('counts the real inputs under each window', () => {
    expect(windowCounts(4, 3, 1, 1)).toEqual([2, 3, 3, 2]);
    expect(windowCounts(5, 3, 2, 1)).toEqual([2, 3, 2]);
    expect(windowCounts(4, 2, 2, 0)).toEqual([2, 2]);
  });

  it('scales the zero-padded mean back to the mean over real inputs', () => {
    const scale = excludePadScale([3, 3], [3, 3], [1, 1], [1, 1]);
    expect(Array.from(scale)).toEqual([9 / 4, 9 / 6, 9 / 4, 9 / 6, 1, 9 / 6, 9 / 4, 9 / 6, 9 / 4]);
  });
});

describe('bilinearMatrix', () => {
  it('has rows that sum to 1 and reproduces PyTorch align_corners=False samples', () => {
    const m = bilinearMatrix(3, 2);
    for (let row = 0; row < 6; row++) expect(m.slice(row * 3, row * 3 + 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // torch.nn.functional.interpolate(torch.tensor([[[0., 1., 2.]]]).unsqueeze(0), scale_factor=2, mode='bilinear')
    // gives 0, 0.25, 0.75, 1.25, 1.75, 2 along the axis.
    const upsampled = Array.from({ length: 6 }, (_, row) => m[row * 3 + 1]! * 1 + m[row * 3 + 2]! * 2);
    expect(upsampled.map((v) => Number(v.toFixed(6)))).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2]);
  });
});
