/** The proxy-width knob on real baselines: widths scaled, classifier and topology kept, impossible widths refused with the node named. */
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../../src/common/errors.js';
import { scaleWidth } from '../../../src/search-space/baselines/proxy-width.js';
import { INPUT_ID, IrBuilder, baselines, networkCost } from '../../../src/search-space/index.js';

function thrown(fn: () => unknown): BlockqnnError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BlockqnnError);
    return error as BlockqnnError;
  }
  throw new Error('expected an error');
}

describe('scaleWidth', () => {
  it('scales every width but the classifier, whether the head is a dense layer or a 1x1 conv', () => {
    for (const name of ['cliquenet-k36-t12', 'dla-34-cifar', 'se-resnet-20-cifar']) {
      const paper = baselines.get(name).build({ inputShape: [16, 16, 1], classes: 7 });
      const proxy = scaleWidth(paper, 0.25, name);
      expect(proxy.shapes.get(proxy.ir.output)).toEqual([7]);
      expect(proxy.ir.nodes.map((n) => [n.id, n.op, n.inputs, n.shareWeightsWith])).toEqual(
        paper.ir.nodes.map((n) => [n.id, n.op, n.inputs, n.shareWeightsWith]),
      );
      // Most parameters sit in layers whose both widths shrink: about 1/16 of them remain.
      expect(networkCost(proxy).params).toBeLessThan(networkCost(paper).params / 10);
    }
  });

  it('keeps a depthwise conv depthwise and leaves width 1 alone', () => {
    const b = new IrBuilder('dw', [8, 8, 4]);
    let x = b.conv(INPUT_ID, { filters: 8, kernel: 1 });
    x = b.conv(x, { filters: 8, kernel: 3, padding: 1, groups: 8 });
    const net = b.build(b.dense(b.globalAvgPool(x), { units: 3 }));
    const half = scaleWidth(net, 0.5, 'dw');
    expect(half.ir.nodes.map((n) => (n.op === 'conv2d' ? [n.filters, n.groups] : n.op === 'dense' ? [n.units] : []))).toEqual([
      [4, 1],
      [4, 4],
      [],
      [3],
    ]);
    expect(scaleWidth(net, 1, 'dw')).toBe(net);
  });

  it('refuses widths that split channels or break a grouping, naming the baseline and the node', () => {
    const resnet = baselines.get('resnet-20-cifar').build();
    const split = thrown(() => scaleWidth(resnet, 0.3, 'resnet-20-cifar'));
    expect(split.code).toBe('INVALID_CONFIG');
    expect(split.message).toBe(
      'baseline resnet-20-cifar: width 0.3 turns the 16 filters of node stem/conv/conv into 4.8, not a whole number of channels',
    );
    const grouped = thrown(() => scaleWidth(baselines.get('dla-x-46-c').build(), 0.25, 'dla-x-46-c'));
    expect(grouped.message).toMatch(/dla-x-46-c: width 0.25 makes no valid network: .*not divisible by groups 32/);
    expect(thrown(() => scaleWidth(resnet, 0, 'resnet-20-cifar')).message).toMatch(/positive number/);
  });
});
