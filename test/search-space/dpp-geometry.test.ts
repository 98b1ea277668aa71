/** The `dpp` IR op: schema defaults, shape inference, exact parameters and multiply-adds, and the errors a bad node gets. */
import { describe, expect, it } from 'vitest';
import { INPUT_ID, IrBuilder, dppAxis, networkCost, parseIr, s3Blocks } from '../../src/search-space/index.js';

const one = (input: [number, number, number], options: Parameters<IrBuilder['dpp']>[1]) => {
  const b = new IrBuilder('dpp', input);
  const id = b.dpp(INPUT_ID, options);
  const checked = b.build(id);
  return { shape: checked.shapes.get(id), cost: networkCost(checked) };
};

describe('dpp op', () => {
  it("fills the paper's defaults from the schema: stride = kernel, Lite-DPP, symmetric, no sampling, ε = 1e-3", () => {
    const checked = parseIr({
      format: 'blockqnn-ir',
      version: 1,
      input: { shape: [8, 8, 4] },
      output: 'p',
      nodes: [{ id: 'p', op: 'dpp', inputs: [INPUT_ID], kernel: 2 }],
    });
    expect(checked.ir.nodes[0]).toMatchObject({ padding: 0, variant: 'lite', reward: 'sym', sampling: 'none', epsilon: 1e-3 });
    expect(checked.shapes.get('p')).toEqual([4, 4, 4]);
  });

  it('parameters: α and λ per channel, plus the 3×3 guide filter per channel for Full-DPP', () => {
    expect(one([8, 8, 16], { kernel: 2 }).cost.params).toBe(32);
    expect(one([8, 8, 16], { kernel: 2, variant: 'full' }).cost.params).toBe(16 * 11);
  });

  it("multiply-adds: one per tap of the weighted sum, plus the guide filter's taps, at the pooling stage's positions", () => {
    // 2×2/2 on 8×8×16: 4×4 positions, 4 taps.
    expect(one([8, 8, 16], { kernel: 2 }).cost.macs).toBe(16 * 16 * 4);
    expect(one([8, 8, 16], { kernel: 2, variant: 'full' }).cost.macs).toBe(16 * 16 * (4 + 9));
    // S3: the pooling runs at stride 1 (7×7 positions), the sampling is free.
    expect(one([8, 8, 16], { kernel: 2, sampling: 's3' }).cost.macs).toBe(49 * 16 * 4);
  });

  it("S3 gives the strided pooling's shape for every size, kernel, stride and padding", () => {
    for (let size = 3; size <= 12; size++) {
      for (const [kernel, stride, padding] of [
        [2, 2, 0],
        [3, 2, 1],
        [3, 3, 1],
        [2, 3, 0],
        [3, 1, 1],
      ] as const) {
        const strided = one([size, size, 1], { kernel, stride, padding });
        const s3 = one([size, size, 1], { kernel, stride, padding, sampling: 's3' });
        expect(s3.shape, `${size} k${kernel} s${stride} p${padding}`).toEqual(strided.shape);
        const axis = dppAxis(size, kernel, stride, padding, true);
        const blocks = s3Blocks(axis);
        expect(blocks.reduce((n, b) => n + b.length, 0)).toBe(axis.inner);
        expect(blocks.every((b) => b.length >= 1 && b.length <= stride)).toBe(true);
      }
    }
  });

  it('rejects padding over half the kernel and inputs smaller than the window, naming the node', () => {
    expect(() => one([8, 8, 2], { kernel: 2, padding: 2 })).toThrow(/dpp.*padding 2x2 exceeds half the kernel 2x2/);
    expect(() => one([1, 8, 2], { kernel: 3, stride: 2 })).toThrow(/dpp.*height extent 1 is too small for kernel 3/);
    expect(() =>
      parseIr({
        format: 'blockqnn-ir',
        version: 1,
        input: { shape: [8, 8, 4] },
        output: 'p',
        nodes: [{ id: 'p', op: 'dpp', inputs: [INPUT_ID], kernel: 2, variant: 'medium' }],
      }),
    ).toThrow(/variant/);
  });
});
