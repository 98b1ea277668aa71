/**
 * Detail-preserving pooling in the generated PyTorch module: the same numbers as
 * the tfjs layer for the same weights (every variant, reward, S3 evaluation,
 * padding), the same parameter count as the IR, gradients reaching α, λ and the
 * guide filter, and the DPP class emitted only into modules that use it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs';
import { compileIr, trainableParams } from '../../../src/engines/tfjs/index.js';
import { generateTorchModule } from '../../../src/engines/torch/index.js';
import { type CheckedIr, INPUT_ID, IrBuilder, PAPER_BLOCKS, assembleNetwork, networkCost } from '../../../src/search-space/index.js';
import { DPP_CASES, type DppOptions, dppInput, dppNetwork, dppWeights } from '../tfjs/dpp-cases.js';
import { tfjs } from '../tfjs/helpers.js';
import { FIXTURES, runPythonJson } from './helpers.js';

interface Probe {
  params: number;
  declaredParams: number;
  outputShape: number[];
  nchwAgrees: boolean;
  output: number[];
}

/** A small classifier with DPP downsampling after a conv (so the input to DPP has learned channels). */
function dppClassifier(options: DppOptions): CheckedIr {
  const b = new IrBuilder('dpp-net', [7, 6, 3]);
  const conv = b.conv(INPUT_ID, { filters: 4, kernel: 3, padding: 1 });
  const pooled = b.dpp(conv, options);
  return b.build(b.dense(b.globalAvgPool(b.dpp(pooled, { kernel: 2, variant: 'full', reward: 'asym' }, 'dpp_again')), { units: 3 }));
}

/** tfjs weights [kh, kw, C, 1] → torch [C, 1, kh, kw]. */
function guideToTorch(data: Float32Array, channels: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < channels; c++) for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) out.push(data[(u * 3 + v) * channels + c]!);
  return out;
}

describe('generated PyTorch DPP module', () => {
  it("computes what the tfjs layer computes for the same weights, with the IR's parameters (within 1e-4)", async () => {
    const tf = await tfjs();
    const networks: [string, CheckedIr][] = [
      ...DPP_CASES.map(({ name, options }): [string, CheckedIr] => [name, dppNetwork(options).checked]),
      ['conv → lite S3 → full asym → classifier', dppClassifier({ kernel: 3, stride: 2, padding: 1, sampling: 's3' })],
    ];
    const cases = [];
    const expected: Float32Array[] = [];
    for (const [i, [, checked]] of networks.entries()) {
      const compiled = compileIr(tf, checked);
      const generated = generateTorchModule(checked);
      const weights: Record<string, Record<string, { shape: number[]; data: number[] }>> = {};
      for (const node of checked.ir.nodes) {
        if (node.op !== 'dpp') continue;
        const layer = compiled.model.getLayer(compiled.layerNames.get(node.id)!);
        const channels = checked.shapes.get(node.inputs[0]!)!.at(-1)!;
        const w = dppWeights(channels, i);
        const full = node.variant === 'full';
        layer.setWeights([
          tf.tensor(w.logAlpha),
          tf.tensor(w.logLambda),
          ...(full ? [tf.tensor(w.guide.slice(0, 9 * channels), [3, 3, channels, 1])] : []),
        ]);
        weights[generated.names.get(node.id)!] = {
          log_alpha: { shape: [channels], data: [...w.logAlpha] },
          log_lambda: { shape: [channels], data: [...w.logLambda] },
          ...(full ? { guide: { shape: [channels, 1, 3, 3], data: guideToTorch(w.guide, channels) } } : {}),
        };
      }
      // Convs and dense layers: tfjs's initial weights, copied in torch layout.
      for (const node of checked.ir.nodes) {
        if (node.op !== 'conv2d' && node.op !== 'dense') continue;
        const [kernel, bias] = compiled.model.getLayer(compiled.layerNames.get(node.id)!).getWeights();
        const k = kernel!.arraySync() as number[][][][] | number[][];
        const torchKernel =
          node.op === 'dense'
            ? {
                shape: [kernel!.shape[1]!, kernel!.shape[0]!],
                data: (k as number[][])[0]!.map((_, o) => (k as number[][]).map((row) => row[o]!)).flat(),
              }
            : (() => {
                const [kh, kw, cin, cout] = kernel!.shape as [number, number, number, number];
                const data: number[] = [];
                for (let o = 0; o < cout; o++)
                  for (let c = 0; c < cin; c++)
                    for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) data.push((k as number[][][][])[u]![v]![c]![o]!);
                return { shape: [cout, cin, kh, kw], data };
              })();
        weights[generated.names.get(node.id)!] = {
          weight: torchKernel,
          ...(bias ? { bias: { shape: bias.shape, data: [...bias.dataSync()] } } : {}),
        };
      }
      const shape = checked.ir.input.shape;
      const input = [...dppInput(2 * shape[0] * shape[1] * shape[2], i)];
      expected.push((compiled.model.predict(tf.tensor(input, [2, ...shape])) as Tensor).dataSync() as Float32Array);
      expect(trainableParams(compiled.model)).toBe(networkCost(checked).params);
      cases.push({ source: generated.source, batch: 2, input, weights });
      compiled.model.dispose();
    }
    const results = await runPythonJson<Probe[]>(path.join(FIXTURES, 'module_probe.py'), cases);
    networks.forEach(([name, checked], i) => {
      const r = results[i]!;
      const want = expected[i]!;
      const worst = Math.max(...r.output.map((v, j) => Math.abs(v - want[j]!)));
      expect(
        {
          name,
          params: r.params,
          declared: r.declaredParams,
          shape: r.outputShape,
          nchw: r.nchwAgrees,
          length: r.output.length,
          close: worst <= 1e-4,
        },
        `${name}: max |torch - tfjs| = ${worst}`,
      ).toEqual({
        name,
        params: networkCost(checked).params,
        declared: networkCost(checked).params,
        shape: [...checked.shapes.get(checked.ir.output)!],
        nchw: true,
        length: want.length,
        close: true,
      });
    });
  }, 60_000);

  it('gradients reach log α, log λ and the guide filter in training mode (S3 sampling included)', async () => {
    const sources = [
      dppClassifier({ kernel: 3, stride: 2, padding: 1, sampling: 's3', variant: 'full' }),
      dppClassifier({ kernel: 2, reward: 'asym' }),
    ].map((c) => ({ source: generateTorchModule(c).source, batch: 4 }));
    const grads = await runPythonJson<Record<string, [number, boolean]>[]>(path.join(FIXTURES, 'dpp_grad.py'), sources);
    for (const byName of grads) {
      const kinds = new Set(Object.keys(byName).map((k) => k.split('.').at(-1)));
      expect([...kinds].sort()).toEqual(['guide', 'log_alpha', 'log_lambda']);
      for (const [name, [max, finite]] of Object.entries(byName)) {
        expect(finite, name).toBe(true);
        expect(max, name).toBeGreaterThan(1e-6);
      }
    }
  });

  it('defines its DPP class once, only when the IR uses dpp, and imports nothing but torch', () => {
    const withDpp = generateTorchModule(dppClassifier({ kernel: 2 })).source;
    expect(withDpp.match(/^class _BlockqnnDpp\(nn\.Module\):/gm)).toHaveLength(1);
    expect(withDpp.split('\n').filter((l) => /^(import|from) /.test(l))).toEqual([
      'import torch',
      'from torch import nn',
      'from torch.nn import functional as F',
    ]);
    const without = generateTorchModule(
      assembleNetwork(PAPER_BLOCKS.resnet, { inputShape: [8, 8, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 }),
    ).source;
    expect(without).not.toContain('_BlockqnnDpp');
  });
});
