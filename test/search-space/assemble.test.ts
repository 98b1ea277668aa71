import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { PAPER_BLOCKS, assembleNetwork, networkCost, parseNsc } from '../../src/search-space/index.js';
import type { CheckedIr } from '../../src/search-space/index.js';

/** Nodes of block `b` in stage `s` (ids are scoped `s{stage}b{block}/…`). */
const blockNodes = (checked: CheckedIr, stage: number, block: number) =>
  checked.ir.nodes.filter((n) => n.id.startsWith(`s${stage}b${block}/`));

function expectStages(checked: CheckedIr, size: number, base: number) {
  for (const stage of [1, 2, 3]) {
    const spatial = size / 2 ** (stage - 1);
    const width = base * 2 ** (stage - 1);
    for (const block of [1, 2, 3, 4]) {
      const nodes = blockNodes(checked, stage, block);
      expect(nodes.length).toBeGreaterThan(0);
      for (const node of nodes) expect(checked.shapes.get(node.id)!.slice(0, 2)).toEqual([spatial, spatial]);
      for (const node of nodes) if (node.op === 'conv2d') expect(node.filters).toBe(width);
      // Every block hands exactly `width` channels on: the last node of a block is its output.
      expect(checked.shapes.get(nodes.at(-1)!.id)!.at(-1)).toBe(width);
    }
  }
  expect(checked.shapes.get('pool1')).toEqual([size / 2, size / 2, base]);
  expect(checked.shapes.get('pool2')).toEqual([size / 4, size / 4, 2 * base]);
}

describe('assembleNetwork', () => {
  it('ResNet block: output [classes], halving sizes, doubling widths, projections where widths differ', () => {
    const checked = assembleNetwork(PAPER_BLOCKS.resnet, { classes: 10 });
    expect(checked.shapes.get(checked.ir.output)).toEqual([10]);
    expectStages(checked, 32, 32);
    // The add reads the block input (identity, layer 1) and a conv: unequal widths only in the
    // first block of stages 2 and 3, where the narrower input gets a 1×1 pre-activation projection.
    const projections = checked.ir.nodes.filter((n) => n.id.endsWith('/l4/proj/conv')).map((n) => n.id);
    expect(projections).toEqual(['s2b1/l4/proj/conv', 's3b1/l4/proj/conv']);
    expect(checked.ir.nodes.find((n) => n.id === 's2b1/l4/proj/conv')).toMatchObject({ kernel: 1, filters: 64 });
    expect(checked.shapes.get('s2b1/l4/proj/relu')).toEqual([16, 16, 32]);
    // A single output layer of the right width needs no output projection.
    expect(checked.ir.nodes.some((n) => n.id.includes('/out'))).toBe(false);
  });

  it('Inception block: every block concatenates four branches and projects them back', () => {
    const checked = assembleNetwork(PAPER_BLOCKS.inception, { inputShape: [64, 64, 3], classes: 100, baseFilters: 16 });
    expect(checked.shapes.get(checked.ir.output)).toEqual([100]);
    expectStages(checked, 64, 16);
    for (const stage of [1, 2, 3]) {
      const width = 16 * 2 ** (stage - 1);
      for (const block of [1, 2, 3, 4]) {
        const out = checked.ir.nodes.find((n) => n.id === `s${stage}b${block}/out`)!;
        expect(out).toMatchObject({
          op: 'concat',
          inputs: [`s${stage}b${block}/l2/bn`, `s${stage}b${block}/l4/bn`, `s${stage}b${block}/l6/bn`, `s${stage}b${block}/l8/bn`],
        });
        expect(checked.shapes.get(out.id)!.at(-1)).toBe(4 * width);
        expect(checked.ir.nodes.find((n) => n.id === `s${stage}b${block}/out/conv`)).toMatchObject({ kernel: 1, filters: width });
      }
    }
    // No add in the Inception block, so no add projection.
    expect(checked.ir.nodes.some((n) => n.id.includes('/proj/'))).toBe(false);
  });

  it('matches a hand count on a tiny configuration', () => {
    const checked = assembleNetwork(PAPER_BLOCKS.resnet, {
      inputShape: [8, 8, 3],
      classes: 5,
      blocksPerStage: 1,
      baseFilters: 4,
      stages: 2,
    });
    // stem 108 + 8; stage 1: 2×(144 + 8); stage 2: 288 + 16 + 576 + 16 + projection 32 + 16; head BN 16 + dense 45.
    expect(networkCost(checked).params).toBe(108 + 8 + 304 + 944 + 16 + 45);
    // stem 108×64; stage 1: 2×144×64; stage 2 at 4×4: (288 + 576 + 32)×16; dense 45.
    expect(networkCost(checked).macs).toBe(108 * 64 + 2 * 144 * 64 + 896 * 16 + 45);
  });

  it('keeps a pool of the block input as wide as its input and projects it', () => {
    const checked = assembleNetwork(parseNsc('(1,2,3,0,0)(2,7,0,0,0)'), { blocksPerStage: 1 });
    expect(checked.ir.nodes.filter((n) => n.id.endsWith('/out/conv')).map((n) => n.id)).toEqual(['s2b1/out/conv', 's3b1/out/conv']);
  });

  it('rejects options that make no network, naming the field and value', () => {
    const attempt = (o: object) => () => assembleNetwork(PAPER_BLOCKS.resnet, o);
    expect(attempt({ stages: 7, inputShape: [32, 32, 3] })).toThrow(
      'network option stages = 7: 7 stages halve the image 6 times, too often for 32x32',
    );
    expect(attempt({ classes: 0 })).toThrow('network option classes = 0: must be a positive integer');
    expect(attempt({ baseFilters: 1.5 })).toThrow(BlockqnnError);
    expect(attempt({ inputShape: [32, 32] })).toThrow('inputShape');
  });
});
