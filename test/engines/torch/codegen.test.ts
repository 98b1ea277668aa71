/**
 * The generated PyTorch modules against the IR and the tfjs engine: for the
 * paper's blocks, random NSC blocks, NAS-Bench-201 cells and one network per
 * op, PyTorch's parameter count equals the IR's (and tfjs's) and the output
 * shape is the inferred one; with tfjs's weights copied in, every op computes
 * the same numbers as the tfjs model. All modules of a test load in one Python.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs';
import { compileIr, trainableParams } from '../../../src/engines/tfjs/index.js';
import { generateTorchModule, pythonIdentifier } from '../../../src/engines/torch/index.js';
import {
  type CheckedIr,
  IR_OPS,
  IrBuilder,
  INPUT_ID,
  NB201_OPS,
  PAPER_BLOCKS,
  assembleNetwork,
  buildNb201Network,
  checkIr,
  networkCost,
  parseNb201,
} from '../../../src/search-space/index.js';
import { prng, randomBlock, tfjs } from '../tfjs/helpers.js';
import { OP_CASES, caseIr, kitchenSink } from '../tfjs/ops.js';
import { FIXTURES, runPythonJson } from './helpers.js';

interface Probe {
  params: number;
  declaredParams: number;
  outputShape: number[];
  declaredOutputShape: number[];
  nchwAgrees: boolean;
  output?: number[];
}

interface Case {
  source: string;
  batch: number;
  input?: number[];
  weights?: Record<string, Record<string, { shape: number[]; data: number[] }>>;
}

const probe = (cases: Case[]) => runPythonJson<Probe[]>(path.join(FIXTURES, 'module_probe.py'), cases);

/** Parameters and shapes of every network, checked against the IR and tfjs. */
async function expectStructureParity(networks: Record<string, CheckedIr>) {
  const tf = await tfjs();
  const entries = Object.entries(networks);
  const results = await probe(entries.map(([, checked]) => ({ source: generateTorchModule(checked).source, batch: 2 })));
  entries.forEach(([name, checked], i) => {
    const r = results[i]!;
    const irParams = networkCost(checked).params;
    const model = compileIr(tf, checked).model;
    const expected = {
      params: irParams,
      declaredParams: irParams,
      tfjsParams: irParams,
      outputShape: [...checked.shapes.get(checked.ir.output)!],
      nchwAgrees: true,
    };
    expect(
      {
        params: r.params,
        declaredParams: r.declaredParams,
        tfjsParams: trainableParams(model),
        outputShape: r.outputShape,
        nchwAgrees: r.nchwAgrees,
      },
      name,
    ).toEqual(expected);
    expect(r.declaredOutputShape, name).toEqual(expected.outputShape);
    model.dispose();
  });
}

const SMALL = { inputShape: [16, 16, 3] as [number, number, number], classes: 10, baseFilters: 8, blocksPerStage: 2, stages: 2 };

describe('IR → PyTorch module: parameters and shapes', () => {
  it('BlockQNN ResNet-like and Inception-like networks', () =>
    expectStructureParity({
      resnet: assembleNetwork(PAPER_BLOCKS.resnet, SMALL),
      inception: assembleNetwork(PAPER_BLOCKS.inception, SMALL),
      'inception, MNIST-shaped': assembleNetwork(PAPER_BLOCKS.inception, { ...SMALL, inputShape: [28, 28, 1], stages: 3 }),
    }));

  it('random valid NSC blocks', () =>
    expectStructureParity(
      Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [
          `block ${i + 1}`,
          assembleNetwork(randomBlock(1000 + i, 7), { ...SMALL, blocksPerStage: 1 }),
        ]),
      ),
    ));

  it('NAS-Bench-201 cells, including all-"none" nodes and convs that do not reach the output', () => {
    const random = prng(201);
    const cells = [
      '|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|',
      '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|',
      '|avg_pool_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|skip_connect~2|',
      ...Array.from({ length: 4 }, () => {
        const op = () => NB201_OPS[Math.floor(random() * NB201_OPS.length)]!;
        return `|${op()}~0|+|${op()}~0|${op()}~1|+|${op()}~0|${op()}~1|${op()}~2|`;
      }),
    ];
    return expectStructureParity(
      Object.fromEntries(
        cells.map((cell) => [cell, buildNb201Network(parseNb201(cell), { inputShape: [16, 16, 3], channels: 4, cellsPerStage: 1 })]),
      ),
    );
  });

  it('one network per op case, covering every IR op', async () => {
    const covered = new Set(OP_CASES.flatMap((c) => caseIr(c).ir.nodes.map((n) => n.op)));
    expect(IR_OPS.filter((op) => !covered.has(op))).toEqual([]);
    await expectStructureParity({
      ...Object.fromEntries(OP_CASES.map((c) => [c.name, caseIr(c)])),
      'every op, weight sharing and an unused branch': kitchenSink({ unusedBranch: true }),
    });
  });

  it('ids that are not Python identifiers or clash with nn.Module attributes still give a working module', async () => {
    const b = new IrBuilder('names', [6, 6, 2]);
    let x = b.conv(INPUT_ID, { filters: 3, kernel: 3, padding: 1 }, 'train');
    x = b.batchNorm(x, {}, 'forward');
    x = b.relu(x, 'in');
    x = b.conv(x, { filters: 3, kernel: 1 }, '0/to');
    x = b.conv(x, { filters: 3, kernel: 1 }, '0.to');
    x = b.dense(b.globalAvgPool(x, 'self'), { units: 4 }, 'x');
    const checked = b.build(x);
    const generated = generateTorchModule(checked);
    expect(new Set(generated.names.values()).size).toBe(checked.ir.nodes.length);
    expect(generated.names.get('train')).toBe('train_');
    expect(pythonIdentifier('s1b1/l2/conv')).toBe('s1b1_l2_conv');
    await expectStructureParity({ names: checked });
  });
});

/** `data` laid out with `shape`, transposed by `perm`. */
function transpose(data: Float32Array, shape: number[], perm: number[]): number[] {
  const out = new Array<number>(data.length);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]!);
  const index = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let d = 0; d < perm.length; d++) src += index[d]! * strides[perm[d]!]!;
    out[o] = data[src]!;
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++index[d]! < outShape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Gives every tfjs weight a random value (BN variances positive; frozen non-affine BN scale/shift kept) and returns them in PyTorch's layout by module name. */
async function randomWeights(checked: CheckedIr, seed: number) {
  const tf = await tfjs();
  const compiled = compileIr(tf, checked);
  const names = generateTorchModule(checked).names;
  const random = prng(seed);
  const weights: NonNullable<Case['weights']> = {};
  for (const node of checked.ir.nodes) {
    if (node.shareWeightsWith !== undefined || !['conv2d', 'conv2dTranspose', 'dense', 'batchNorm', 'instanceNorm'].includes(node.op))
      continue;
    const layer = compiled.model.getLayer(compiled.layerNames.get(node.id)!);
    const affine = !('affine' in node) || node.affine;
    const values = layer.weights.map((w) => {
      const kind = w.originalName.split('/').at(-1)!;
      const size = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
      const keep = !affine && (kind === 'gamma' || kind === 'beta');
      const data = keep
        ? (w.read().dataSync() as Float32Array)
        : Float32Array.from({ length: size }, () => (kind === 'moving_variance' ? 0.5 + random() : random() * 2 - 1) * 0.5);
      return { kind, shape: w.shape as number[], data };
    });
    layer.setWeights(values.map((v) => tf.tensor(v.data, v.shape)));
    const torch: Record<string, { shape: number[]; data: number[] }> = {};
    for (const { kind, shape, data } of values) {
      if (kind === 'kernel' && shape.length === 4)
        torch.weight = { shape: [shape[3]!, shape[2]!, shape[0]!, shape[1]!], data: transpose(data, shape, [3, 2, 0, 1]) };
      else if (kind === 'depthwise_kernel') {
        const [kh, kw, cin, mult] = shape as [number, number, number, number];
        torch.weight = { shape: [cin * mult, 1, kh, kw], data: transpose(data, [kh, kw, cin * mult], [2, 0, 1]) };
      } else if (kind === 'kernel') torch.weight = { shape: [shape[1]!, shape[0]!], data: transpose(data, shape, [1, 0]) };
      else if (kind === 'bias') torch.bias = { shape, data: [...data] };
      else if (affine && kind === 'gamma') torch.weight = { shape, data: [...data] };
      else if (affine && kind === 'beta') torch.bias = { shape, data: [...data] };
      else if (kind === 'moving_mean') torch.running_mean = { shape, data: [...data] };
      else if (kind === 'moving_variance') torch.running_var = { shape, data: [...data] };
    }
    weights[names.get(node.id)!] = torch;
  }
  return { compiled, weights, tf };
}

describe('IR → PyTorch module: the same numbers as the tfjs engine with the same weights', () => {
  it('every op case, the every-op network and a BlockQNN network (evaluation mode)', async () => {
    const networks: [string, CheckedIr][] = [
      ...OP_CASES.map((c): [string, CheckedIr] => [c.name, caseIr(c)]),
      ['every op', kitchenSink({ unusedBranch: true })],
      ['inception', assembleNetwork(PAPER_BLOCKS.inception, { ...SMALL, blocksPerStage: 1 })],
      [
        'NAS-Bench-201',
        buildNb201Network(parseNb201('|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|nor_conv_1x1~0|skip_connect~1|none~2|'), {
          inputShape: [8, 8, 3],
          channels: 4,
          cellsPerStage: 1,
        }),
      ],
    ];
    const cases: Case[] = [];
    const expected: Float32Array[] = [];
    for (const [i, [, checked]] of networks.entries()) {
      const { compiled, weights, tf } = await randomWeights(checked, 77 + i);
      const random = prng(5 + i);
      const shape = checked.ir.input.shape;
      const input = Array.from({ length: 2 * shape[0] * shape[1] * shape[2] }, () => random() * 2 - 1);
      expected.push((compiled.model.predict(tf.tensor(input, [2, ...shape])) as Tensor).dataSync() as Float32Array);
      cases.push({ source: generateTorchModule(checked).source, batch: 2, input, weights });
      compiled.model.dispose();
    }
    const results = await probe(cases);
    networks.forEach(([name], i) => {
      const want = expected[i]!;
      const got = results[i]!.output!;
      const scale = Math.max(1, ...[...want].map(Math.abs));
      const worst = Math.max(...got.map((v, j) => Math.abs(v - want[j]!)));
      expect({ name, length: got.length, close: worst <= 1e-4 * scale }, `${name}: max |torch - tfjs| = ${worst}`).toEqual({
        name,
        length: want.length,
        close: true,
      });
    });
  });

  it('rejects a batch norm shared between an image and a vector with a clear error', () => {
    const checked = checkIr({
      format: 'blockqnn-ir',
      version: 1,
      input: { shape: [4, 4, 3] },
      output: 'b',
      nodes: [
        { id: 'a', op: 'batchNorm', inputs: [INPUT_ID], epsilon: 1e-5, momentum: 0.1, affine: true },
        { id: 'g', op: 'globalAvgPool', inputs: ['a'] },
        { id: 'b', op: 'batchNorm', inputs: ['g'], epsilon: 1e-5, momentum: 0.1, affine: true, shareWeightsWith: 'a' },
      ],
    });
    expect(() => generateTorchModule(checked)).toThrow(/shares a batch norm with "a" across an image and a vector/);
  });
});
