import { describe, expect, it } from 'vitest';
import { IrBuilder, activationBytes, networkCost, parseIr } from '../../src/search-space/index.js';

const costOf = (build: (b: IrBuilder) => string, input: [number, number, number] = [8, 8, 3]) => {
  const b = new IrBuilder('cost', input);
  return networkCost(b.build(build(b)));
};

describe('networkCost', () => {
  it('counts conv weights once and multiply-adds per output position', () => {
    // 3×3×3×8 = 216 weights over 8×8 outputs.
    expect(costOf((b) => b.conv('input', { filters: 8, kernel: 3, padding: 1 }))).toMatchObject({ params: 216, macs: 216 * 64 });
    // Bias: one more parameter and one more multiply-add per filter and position (NAS-Bench-201's convention).
    expect(costOf((b) => b.conv('input', { filters: 8, kernel: 3, padding: 1, bias: true }))).toMatchObject({
      params: 224,
      macs: 224 * 64,
    });
    // Stride 2 without padding: 3×3 outputs.
    expect(costOf((b) => b.conv('input', { filters: 8, kernel: 3, stride: 2 }))).toMatchObject({ params: 216, macs: 216 * 9 });
  });

  it('divides conv weights by groups', () => {
    const depthwise = costOf((b) => b.conv('input', { filters: 6, kernel: 3, padding: 1, groups: 6 }), [4, 4, 6]);
    expect(depthwise).toMatchObject({ params: 3 * 3 * 1 * 6, macs: 54 * 16 });
  });

  it('counts dense, batch norm and transposed convs', () => {
    const dense = costOf((b) => b.dense(b.globalAvgPool('input'), { units: 5 }));
    expect(dense).toMatchObject({ params: 3 * 5 + 5, macs: 20 });
    expect(costOf((b) => b.batchNorm('input'))).toMatchObject({ params: 6, macs: 0 });
    expect(costOf((b) => b.batchNorm('input', { affine: false }))).toMatchObject({ params: 0, macs: 0 });
    expect(costOf((b) => b.instanceNorm('input'))).toMatchObject({ params: 6, macs: 0 });
    // 2×2/2 transposed conv 3→4 on 8×8: 48 weights applied at each of 64 input positions; bias at 16×16 outputs.
    const deconv = costOf((b) => b.convTranspose('input', { filters: 4, kernel: 2, stride: 2, bias: true }));
    expect(deconv).toMatchObject({ params: 48 + 4, macs: 48 * 64 + 4 * 256 });
  });

  it('counts channelScale as one multiply per element and parameter-free ops as zero', () => {
    const scaled = costOf((b) => b.channelScale('input', b.sigmoid(b.globalAvgPool('input'))));
    expect(scaled).toMatchObject({ params: 0, macs: 8 * 8 * 3 });
    const free = costOf((b) =>
      b.add([b.relu('input'), b.maxPool(b.avgPool('input', { kernel: 3, stride: 1, padding: 1 }), { kernel: 1, stride: 1 })]),
    );
    expect(free).toMatchObject({ params: 0, macs: 0 });
  });

  it('counts shared weights once and their multiply-adds at every use', () => {
    const b = new IrBuilder('shared', [8, 8, 4]);
    const first = b.conv('input', { filters: 4, kernel: 3, padding: 1 });
    const second = b.conv(first, { filters: 4, kernel: 3, padding: 1, shareWeightsWith: first });
    const cost = networkCost(parseIr(JSON.parse(JSON.stringify(b.toIr(second)))));
    expect(cost.params).toBe(144);
    expect(cost.macs).toBe(2 * 144 * 64);
    expect(cost.nodes.map((n) => n.params)).toEqual([144, 0]);
  });

  it('reports every node and the activation memory', () => {
    const cost = costOf((b) => b.dense(b.globalAvgPool(b.relu(b.conv('input', { filters: 2, kernel: 1 }))), { units: 3 }), [4, 4, 1]);
    expect(cost.nodes.map((n) => [n.op, n.outputShape])).toEqual([
      ['conv2d', [4, 4, 2]],
      ['relu', [4, 4, 2]],
      ['globalAvgPool', [2]],
      ['dense', [3]],
    ]);
    // Input 16 + conv 32 + relu 32 + gap 2 + dense 3 = 85 floats per example.
    expect(cost.activationElements).toBe(85);
    expect(activationBytes(cost, 10)).toBe(85 * 10 * 4);
  });
});
