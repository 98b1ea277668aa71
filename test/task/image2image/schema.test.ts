import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../../src/common/errors.js';
import {
  EXAMPLE_ARRAYS,
  GENERATIVE_PROCEDURES,
  IMAGE2IMAGE_PROBLEMS,
  parseImage2ImageTask,
  PROBLEM_CHANNELS,
  PROBLEM_OUTPUTS,
  PROCEDURES_FOR_PROBLEM,
} from '../../../src/task/image2image/schema.js';

const base = { kind: 'image2image', problem: 'amodal-completion', procedure: 'segan', dataset: { name: 'mnist' } };

describe('image2image task schema', () => {
  it('fills the spec defaults: 16 px, 512 / 128 examples, pix2pix Adam, the papers’ λ', () => {
    const task = parseImage2ImageTask(base);
    expect(task.imageSize).toBe(16);
    expect(task.examples).toEqual({ train: 512, eval: 128 });
    expect(task.recipe).toEqual({
      epochs: 8,
      batchSize: 32,
      learningRate: 2e-4,
      beta1: 0.5,
      beta2: 0.999,
      criticSteps: 1,
      lambda: { l1: 100, cls: 1, rec: 10, gp: 10, kl: 0.01 },
      latent: 8,
      langevin: { steps: 20, stepSize: 0.25, noise: 0.005, start: 'gaussian' },
      samples: 64,
      // PairedCycleGAN trains unpaired, as its paper (#18).
      pairedCycleGan: { pairedL1: false, regions: false },
    });
    expect(parseImage2ImageTask({ ...base, recipe: { lambda: { l1: 10 } } }).recipe.lambda).toEqual({
      l1: 10,
      cls: 1,
      rec: 10,
      gp: 10,
      kl: 0.01,
    });
  });

  it('rejects bad input with the field and the fix', () => {
    const message = (value: unknown) => {
      try {
        parseImage2ImageTask(value);
      } catch (error) {
        expect(error).toBeInstanceOf(BlockqnnError);
        return (error as BlockqnnError).message;
      }
      return 'parsed';
    };
    expect(message({ ...base, recipe: { langevin: { start: 'normal' } } })).toContain(
      "langevin.start must be 'gaussian' (the paper's) or 'uniform'",
    );
    expect(message({ ...base, procedure: 'stargan' })).toMatch(
      /procedure: procedure stargan does not solve amodal-completion; use one of pix2pix, segan/,
    );
    expect(message({ ...base, imageSize: 4 })).toMatch(/imageSize: imageSize must be at least 8/);
    expect(message({ ...base, problem: 'colourise' })).toMatch(/problem must be one of amodal-completion, /);
    expect(message({ ...base, recipe: { lambda: { l1: -1 } } })).toMatch(/recipe.lambda.l1: lambda.l1 must be ≥ 0/);
    expect(message({ ...base, extra: 1 })).toMatch(/\(root\)|extra/);
    // Per-region generators need region masks: a problem without them is refused at parse time, before any job exists.
    expect(message({ ...base, recipe: { pairedCycleGan: { regions: true } } })).toMatch(
      /recipe.pairedCycleGan.regions: baseline paired-cyclegan: .* needs region masks, and amodal-completion examples have none .*style-transfer/,
    );
    const style = { ...base, problem: 'style-transfer', procedure: 'paired-cyclegan' };
    const parsed = parseImage2ImageTask({ ...style, recipe: { pairedCycleGan: { regions: true } } });
    expect(parsed.recipe.pairedCycleGan).toEqual({ pairedL1: false, regions: true });
  });

  it('every problem has procedures, arrays and outputs; channels follow the conditions', () => {
    for (const problem of IMAGE2IMAGE_PROBLEMS) {
      expect(PROCEDURES_FOR_PROBLEM[problem].length).toBeGreaterThan(0);
      for (const procedure of PROCEDURES_FOR_PROBLEM[problem]) expect(GENERATIVE_PROCEDURES).toContain(procedure);
      expect(EXAMPLE_ARRAYS[problem].length).toBeGreaterThan(1);
      expect(Object.keys(PROBLEM_OUTPUTS(problem, 3)).length).toBeGreaterThan(0);
    }
    expect(PROBLEM_CHANNELS('amodal-completion', 3, 0)).toEqual({ input: 4, target: 4 });
    expect(PROBLEM_CHANNELS('domain-translation', 1, 3)).toEqual({ input: 4, target: 1 });
    expect(PROBLEM_CHANNELS('style-transfer', 3, 4)).toEqual({ input: 6, target: 3 });
    expect(PROBLEM_CHANNELS('shape-guided', 3, 0)).toEqual({ input: 4, target: 3 });
    expect(PROBLEM_CHANNELS('introspective-synthesis', 1, 10)).toEqual({ input: 1, target: 1 });
  });
});
