/**
 * compileIr keeps the IR's two invariants: the model's output shape is the IR's
 * inferred output shape, and its trainable parameters are the IR's parameter count.
 */
import { describe, expect, it } from 'vitest';
import {
  INPUT_ID,
  IrBuilder,
  PAPER_BLOCKS,
  assembleNetwork,
  buildNb201Network,
  networkCost,
  parseNb201,
  printNsc,
} from '../../../src/search-space/index.js';
import { compileIr, layerNameFor, trainableParams } from '../../../src/engines/tfjs/index.js';
import { compileChecked, outputShape, randomBlock, tfjs } from './helpers.js';
import { OP_CASES, caseIr } from './ops.js';

const SMALL = { inputShape: [16, 16, 3] as [number, number, number], classes: 10, baseFilters: 8, blocksPerStage: 1, stages: 2 };

describe('compileIr: networks', () => {
  for (const [name, block] of Object.entries(PAPER_BLOCKS)) {
    it(`BlockQNN ${name}-like network: output shape and parameters equal the IR's`, async () => {
      const { compiled, expectedShape, params, expectedParams } = await compileChecked(assembleNetwork(block, SMALL));
      expect(outputShape(compiled)).toEqual(expectedShape);
      expect(expectedShape).toEqual([10]);
      expect(params).toBe(expectedParams);
      expect(compiled.unusedNodes).toEqual([]);
      compiled.model.dispose();
    });
  }

  it("random valid blocks: output shape and parameters equal the IR's", async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const block = randomBlock(seed);
      const { compiled, expectedShape, params, expectedParams } = await compileChecked(
        assembleNetwork(block, { ...SMALL, inputShape: [8, 8, 3], baseFilters: 4 }),
      );
      expect(outputShape(compiled), printNsc(block)).toEqual(expectedShape);
      expect(params, printNsc(block)).toBe(expectedParams);
      compiled.model.dispose();
    }
  });

  it('NAS-Bench-201 network with every cell op', async () => {
    const cell = parseNb201('|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|');
    const checked = buildNb201Network(cell, { inputShape: [16, 16, 3], channels: 4, cellsPerStage: 1 });
    const { compiled, expectedShape, params, expectedParams } = await compileChecked(checked);
    expect(outputShape(compiled)).toEqual(expectedShape);
    expect(params).toBe(expectedParams);
    compiled.model.dispose();
  });

  it('NAS-Bench-201 cell whose convs do not reach the output keeps their parameters, as the IR counts them', async () => {
    // Node 1's conv feeds only "none" edges and node 2 is all "none" (a zeros node): both are dead ends.
    const cell = parseNb201('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|');
    const checked = buildNb201Network(cell, { inputShape: [16, 16, 3], channels: 4, cellsPerStage: 1 });
    const { compiled, expectedShape, params, expectedParams } = await compileChecked(checked);
    expect(compiled.unusedNodes.some((id) => id.includes('e01'))).toBe(true);
    expect(outputShape(compiled)).toEqual(expectedShape);
    expect(params).toBe(expectedParams);
    const deadConv = checked.ir.nodes.find((n) => n.op === 'conv2d' && n.id.startsWith('s1c1/e01'))!;
    expect(compiled.model.getLayer(compiled.layerNames.get(deadConv.id)!).countParams()).toBe(3 * 3 * 4 * 4);
    compiled.model.dispose();
  });
});

describe('compileIr: every op', () => {
  for (const c of OP_CASES) {
    it(`${c.name}: output shape and parameters equal the IR's`, async () => {
      const { compiled, expectedShape, params, expectedParams } = await compileChecked(caseIr(c));
      expect(outputShape(compiled)).toEqual(expectedShape);
      expect(params).toBe(expectedParams);
      compiled.model.dispose();
    });
  }
});

describe('compileIr: weight sharing and names', () => {
  it('shareWeightsWith reuses one layer, so shared parameters count once (CliqueNet-style)', async () => {
    const tf = await tfjs();
    const b = new IrBuilder('clique', [8, 8, 4]);
    const a = b.conv(INPUT_ID, { filters: 4, kernel: 3, padding: 1 }, 'a');
    const n = b.batchNorm(a, {}, 'bn');
    // Shared conv applied to a tensor of another size: padding must be explicit for both.
    const pooled = b.maxPool(n, { kernel: 2 });
    const a2 = b.conv(pooled, { filters: 4, kernel: 3, padding: 1, shareWeightsWith: a }, 'a_again');
    const a3 = b.conv(n, { filters: 4, kernel: 3, padding: 1, shareWeightsWith: a }, 'a_third');
    const out = b.dense(b.concat([b.globalAvgPool(a2), b.globalAvgPool(a3)]), { units: 3 });
    const checked = b.build(out);
    const compiled = compileIr(tf, checked);
    expect(trainableParams(compiled.model)).toBe(networkCost(checked).params);
    expect(networkCost(checked).params).toBe(3 * 3 * 4 * 4 + 2 * 4 + 8 * 3 + 3);
    expect(compiled.layerNames.get(a2)).toBe(compiled.layerNames.get(a));
    expect(compiled.layerNames.get(a3)).toBe(compiled.layerNames.get(a));
    const convs = compiled.model.layers.filter((l) => l.getClassName() === 'Conv2D');
    expect(convs).toHaveLength(1);
    expect(outputShape(compiled)).toEqual([3]);
    // The same weights really serve both calls: zeroing them zeroes every use.
    const kernel = compiled.model.getLayer(compiled.layerNames.get(a)!).getWeights()[0]!;
    expect(kernel.shape).toEqual([3, 3, 4, 4]);
    compiled.model.dispose();
  });

  it('layer names derive from IR ids and are valid, unique tfjs names', async () => {
    const tf = await tfjs();
    expect(layerNameFor('s1b1/l2/conv')).toBe('s1b1.l2.conv');
    expect(layerNameFor('_x:1')).toBe('n_x.1');
    const b = new IrBuilder('names', [4, 4, 2]);
    const r1 = b.relu(INPUT_ID, 'a/b');
    const r2 = b.relu(r1, 'a.b');
    const c = b.conv(r2, { filters: 2, kernel: 3, stride: 2, padding: 1 }, 'a.b__pad');
    const compiled = compileIr(tf, b.build(c));
    const names = compiled.model.layers.map((l) => l.name);
    expect(new Set(names).size).toBe(names.length);
    expect(compiled.layerNames.get(r1)).toBe('a.b');
    expect(compiled.layerNames.get(r2)).toBe('a.b_2');
    expect(compiled.layerNames.get(c)).toBe('a.b__pad');
    expect(names).toContain('a.b__pad__pad');
    compiled.model.dispose();
  });
});
