import { beforeAll, describe, expect, it } from 'vitest';
import { buildExamples } from '../../../src/task/image2image/examples.js';
import type { ExampleSource } from '../../../src/task/image2image/examples.js';
import { toFloat } from '../../../src/task/image2image/image-ops.js';
import {
  GenerativeOutputError,
  iou,
  l1,
  maskedL1,
  scoreOutputs,
  ssim,
  trivialOutputs,
  trivialScores,
} from '../../../src/task/image2image/metrics.js';
import { IMAGE2IMAGE_PROBLEMS } from '../../../src/task/image2image/schema.js';
import type { ExampleSet, Image2ImageProblem } from '../../../src/task/image2image/schema.js';
import { mnistSource, rgbSource } from './fixtures.js';

let mnist: ExampleSource;
const sets = new Map<Image2ImageProblem, ExampleSet>();
beforeAll(async () => {
  mnist = await mnistSource();
  for (const problem of IMAGE2IMAGE_PROBLEMS)
    sets.set(problem, buildExamples({ problem, imageSize: 16, examples: { train: 384, eval: 64 } }, mnist, 5));
});

/** Outputs equal to the ground truth (synthesis: held-out real images, which a perfect sampler would draw). */
function perfectOutputs(set: ExampleSet): Record<string, Float32Array> {
  const f = (name: string) => toFloat(set.eval.arrays[name]!.data);
  switch (set.problem) {
    case 'amodal-completion':
      return { mask: f('fullMask'), image: f('full') };
    case 'domain-translation':
      return { image: f('target'), cycle: f('source') };
    case 'style-transfer':
      return { applied: f('styled'), removed: f('plain') };
    case 'shape-guided':
      return { image: f('target') };
    case 'introspective-synthesis':
      return { samples: f('real') };
  }
}

describe('pixel metrics', () => {
  it('L1, masked L1 and IoU by hand', () => {
    expect(l1(Float32Array.of(0, 0.5, 1, 1), Float32Array.of(0.5, 0.5, 0, 1))).toBeCloseTo(0.375, 7);
    // 2 pixels × 2 channels, only pixel 1 counts: |0.25 − 1| and |1 − 0.5|.
    expect(maskedL1(Float32Array.of(0, 0, 0.25, 1), Float32Array.of(1, 1, 1, 0.5), Float32Array.of(0, 1), 2)).toBeCloseTo(0.625, 7);
    // prediction {0, 1, 2}, truth {1, 2, 3}: 2 / 4.
    expect(iou(Float32Array.of(0.9, 0.6, 0.51, 0.2, 0), Float32Array.of(0, 1, 1, 1, 0))).toBe(0.5);
    expect(iou(new Float32Array(4), new Float32Array(4))).toBe(1);
  });

  it('SSIM is 1 for identical images, symmetric, and falls with noise and with a contrast change', () => {
    const size = 16;
    const a = Float32Array.from({ length: 2 * size * size * 3 }, (_, i) => (Math.sin(i * 0.37) + 1) / 2);
    expect(ssim(a, a, size, 3)).toBeCloseTo(1, 10);
    const noisy = a.map((v, i) => Math.min(1, Math.max(0, v + (i % 7 === 0 ? 0.3 : -0.05))));
    const s = ssim(a, noisy, size, 3);
    expect(s).toBeLessThan(0.99);
    expect(s).toBeGreaterThan(0);
    expect(ssim(noisy, a, size, 3)).toBeCloseTo(s, 12);
    // Constant images: the structure terms are C2/C2 = 1, the luminance term is (2μxμy + C1)/(μx² + μy² + C1).
    const x = new Float32Array(64).fill(0.2);
    const y = new Float32Array(64).fill(0.6);
    expect(ssim(x, y, 8, 1)).toBeCloseTo((2 * 0.2 * 0.6 + 1e-4) / (0.04 + 0.36 + 1e-4), 6);
  });
});

describe('scoreOutputs and trivialScores', () => {
  it('scores the ground truth near the top and the trivial answer well below it, for every problem', () => {
    const floors: Record<Image2ImageProblem, number> = {
      'amodal-completion': 0.99,
      'domain-translation': 0.9,
      'style-transfer': 0.99,
      'shape-guided': 0.99,
      'introspective-synthesis': 0.5,
    };
    for (const problem of IMAGE2IMAGE_PROBLEMS) {
      const set = sets.get(problem)!;
      const best = scoreOutputs({ problem }, set, perfectOutputs(set));
      const trivial = trivialScores({ problem, recipe: { samples: 64 } }, set);
      expect(best.score, problem).toBeGreaterThanOrEqual(floors[problem]);
      expect(best.score - trivial.score, problem).toBeGreaterThan(0.15);
      for (const value of [...Object.values(best.metrics), ...Object.values(trivial.metrics), best.score, trivial.score])
        expect(Number.isFinite(value)).toBe(true);
    }
  });

  it('trivial answers: invisible IoU 0, cycle L1 0 at identity, the mean image as samples', () => {
    const amodal = trivialScores({ problem: 'amodal-completion' }, sets.get('amodal-completion')!);
    expect(amodal.score).toBe(0);
    expect(amodal.metrics.invisibleL1).toBeGreaterThan(0.1);
    const translation = trivialScores({ problem: 'domain-translation' }, sets.get('domain-translation')!);
    expect(translation.metrics.cycleL1).toBe(0);
    expect(translation.score).toBeLessThan(0.2); // identity stays in the source domain
    const synthesis = sets.get('introspective-synthesis')!;
    const samples = trivialOutputs({ problem: 'introspective-synthesis', recipe: { samples: 10 } }, synthesis).samples!;
    expect(samples.length).toBe(10 * 256);
    const trivial = trivialScores({ problem: 'introspective-synthesis' }, synthesis);
    expect(trivial.metrics.sampleVariance).toBe(0);
    expect(trivial.metrics.frechetDistance).toBeGreaterThan(trivial.metrics.frechetScale! * 0.9);
  });

  it('the style score is 1 − mean of the two L1s, the shape score the SSIM', () => {
    const set = sets.get('style-transfer')!;
    const out = perfectOutputs(set);
    out.applied = out.applied!.map((v) => Math.min(1, v + 0.1));
    const result = scoreOutputs({ problem: 'style-transfer' }, set, out);
    expect(result.metrics.removeL1).toBe(0);
    expect(result.score).toBeCloseTo(1 - result.metrics.applyL1! / 2, 10);
    const shape = sets.get('shape-guided')!;
    const s = scoreOutputs({ problem: 'shape-guided' }, shape, { image: toFloat(shape.eval.arrays.appearance!.data) });
    expect(s.score).toBeCloseTo(Math.max(0, s.metrics.ssim!), 12);
  });

  it('bad outputs are named errors: missing, mis-sized, non-finite, mode collapse', () => {
    const set = sets.get('shape-guided')!;
    const reason = (outputs: Record<string, Float32Array>, problem: Image2ImageProblem = 'shape-guided', examples = set) => {
      try {
        scoreOutputs({ problem }, examples, outputs);
      } catch (error) {
        expect(error).toBeInstanceOf(GenerativeOutputError);
        return (error as GenerativeOutputError).reason;
      }
      return 'ok';
    };
    const good = perfectOutputs(set).image!;
    expect(reason({})).toBe('missing-output');
    expect(reason({ image: good.subarray(1) })).toBe('wrong-size');
    const nan = Float32Array.from(good);
    nan[17] = Number.NaN;
    expect(reason({ image: nan })).toBe('non-finite');
    expect(reason({ image: new Float32Array(good.length).fill(0.3) })).toBe('mode-collapse');
    const synthesis = sets.get('introspective-synthesis')!;
    expect(reason(trivialOutputs({ problem: 'introspective-synthesis' }, synthesis), 'introspective-synthesis', synthesis)).toBe(
      'mode-collapse',
    );
    expect(() => scoreOutputs({ problem: 'shape-guided' }, new Map(sets).get('style-transfer')!, {})).toThrow(
      /cannot score style-transfer/,
    );
  });

  it('scores RGB (CIFAR-shaped) outputs for every problem', () => {
    const source = rgbSource(120);
    for (const problem of IMAGE2IMAGE_PROBLEMS) {
      const set = buildExamples({ problem, imageSize: 16, examples: { train: 80, eval: 24 } }, source, 1);
      const best = scoreOutputs({ problem }, set, perfectOutputs(set));
      const trivial = trivialScores({ problem }, set);
      for (const value of [...Object.values(best.metrics), ...Object.values(trivial.metrics)])
        expect(Number.isFinite(value), problem).toBe(true);
      if (problem !== 'introspective-synthesis' && problem !== 'domain-translation')
        expect(best.score, problem).toBeGreaterThan(trivial.score);
    }
  });
});
