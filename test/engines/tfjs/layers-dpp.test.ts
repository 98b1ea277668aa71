/**
 * The tfjs engine's detail-preserving pooling layer against a direct reading of
 * the paper's equations (dpp-reference.ts), its parameter count against the IR,
 * gradients reaching α, λ and the guide filter, and S3's stochastic sampling.
 */
import { describe, expect, it } from 'vitest';
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import { compileIr, trainableParams } from '../../../src/engines/tfjs/index.js';
import { networkCost } from '../../../src/search-space/index.js';
import { DPP_CASES, dppInput, dppNetwork, dppWeights } from './dpp-cases.js';
import { dppReference } from './dpp-reference.js';
import { tfjs } from './helpers.js';

const SHAPE: [number, number, number, number] = [2, 7, 6, 3];

async function compiledWithWeights(options: (typeof DPP_CASES)[number]['options']) {
  const tf = await tfjs();
  const { checked, node } = dppNetwork(options);
  const compiled = compileIr(tf, checked);
  const layer = compiled.model.getLayer(compiled.layerNames.get(node.id)!);
  const w = dppWeights(3);
  layer.setWeights([tf.tensor(w.logAlpha), tf.tensor(w.logLambda), ...(node.variant === 'full' ? [tf.tensor(w.guide, [3, 3, 3, 1])] : [])]);
  return { tf, checked, node, compiled, layer, w };
}

describe('tfjs DetailPreservingPool2D', () => {
  for (const { name, options } of DPP_CASES) {
    it(`${name}: the paper's equations, the IR's shape and parameter count`, async () => {
      const { tf, checked, node, compiled, w } = await compiledWithWeights(options);
      const x = dppInput(SHAPE.reduce((a, b) => a * b, 1));
      const y = compiled.model.predict(tf.tensor(x, SHAPE)) as Tensor;
      const want = dppReference(node, x, SHAPE, w);
      expect(y.shape).toEqual(want.shape);
      expect(y.shape.slice(1)).toEqual([...checked.shapes.get(node.id)!]);
      const got = y.dataSync();
      const worst = Math.max(...want.data.map((v, i) => Math.abs(v - got[i]!)));
      expect(worst).toBeLessThan(1e-5);
      expect(trainableParams(compiled.model)).toBe(networkCost(checked).params);
      compiled.model.dispose();
    });
  }

  it('gradients reach log α, log λ and the guide filter, finite and non-zero (S3 in training mode too)', async () => {
    for (const options of [
      { kernel: 3, stride: 2, padding: 1, variant: 'full', reward: 'asym' },
      { kernel: 2, variant: 'full', sampling: 's3' },
    ] as const) {
      const { tf, compiled } = await compiledWithWeights(options);
      const x = tf.tensor(
        dppInput(
          SHAPE.reduce((a, b) => a * b, 1),
          1,
        ),
        SHAPE,
      );
      const probe = tf.randomNormal(
        compiled.model.outputs[0]!.shape.map((d) => d ?? 2),
        0,
        1,
        'float32',
        3,
      );
      // Every trainable variable of the model is one of this layer's.
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(compiled.model.apply(x, { training: true }) as Tensor, probe)) as Scalar);
      const byName = Object.fromEntries(
        Object.entries(grads).map(([k, g]) => [k.split('/').at(-1)!.replace(/_\d+$/, ''), Array.from(g.dataSync())]),
      );
      expect(Object.keys(byName).sort()).toEqual(['guide', 'log_alpha', 'log_lambda']);
      for (const [k, g] of Object.entries(byName)) {
        expect(g.every(Number.isFinite), k).toBe(true);
        expect(Math.max(...g.map(Math.abs)), k).toBeGreaterThan(1e-6);
      }
      compiled.model.dispose();
    }
  });

  it('S3 in training keeps one drawn row and column per block, the same for every channel, and draws anew each call', async () => {
    const tf = await tfjs();
    const { compiled } = await compiledWithWeights({ kernel: 2, sampling: 's3' });
    // The stride-1 pooling the sampling draws from: the same layer without sampling, stride 1.
    const { checked: dense, node: denseNode } = dppNetwork({ kernel: 2, stride: 1 });
    const x = dppInput(
      SHAPE.reduce((a, b) => a * b, 1),
      2,
    );
    const pooled = dppReference(denseNode, x, SHAPE, dppWeights(3));
    expect(pooled.shape).toEqual([2, ...dense.shapes.get(denseNode.id)!]);
    const [, ih, iw, c] = pooled.shape as [number, number, number, number];
    const seen = new Set<string>();
    for (let call = 0; call < 12; call++) {
      const y = compiled.model.apply(tf.tensor(x, SHAPE), { training: true }) as Tensor;
      const [n, oh, ow] = y.shape as [number, number, number, number];
      const got = y.dataSync();
      const picks: string[] = [];
      for (let a = 0; a < oh; a++)
        for (let e = 0; e < ow; e++) {
          // The (row, column) of the stride-1 map this output came from, found from channel 0 of example 0 and checked on all.
          const candidates: [number, number][] = [];
          for (let r = 2 * a; r < Math.min(2 * a + 2, ih); r++)
            for (let q = 2 * e; q < Math.min(2 * e + 2, iw); q++) candidates.push([r, q]);
          const match = candidates.find(([r, q]) => {
            for (let b = 0; b < n; b++)
              for (let ch = 0; ch < c; ch++) {
                if (Math.abs(got[((b * oh + a) * ow + e) * c + ch]! - pooled.data[((b * ih + r) * iw + q) * c + ch]!) > 1e-5) return false;
              }
            return true;
          });
          expect(match, `output (${a}, ${e}) of call ${call}`).toBeDefined();
          picks.push(match!.join(','));
        }
      seen.add(picks.join(' '));
    }
    expect(seen.size).toBeGreaterThan(1);
    compiled.model.dispose();
  });
});
