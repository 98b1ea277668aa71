/**
 * PairedCycleGAN's per-region generators through the run's side (src/orchestrator/generative.ts): the task's
 * recipe.pairedCycleGan.regions reaches the builder, so the queued baseline carries the background roles and its
 * cost counts them; a task whose problem has no region masks is refused when it is parsed, before any job exists.
 */
import { describe, expect, it } from 'vitest';
import { materializeGenerativeBaseline } from '../../src/orchestrator/generative.js';
import { parseImage2ImageTask } from '../../src/task/image2image/schema.js';

const task = (recipe: Record<string, unknown>, problem = 'style-transfer', procedure = 'paired-cyclegan') =>
  parseImage2ImageTask({ kind: 'image2image', problem, procedure, dataset: { name: 'mnist' }, recipe });

describe('paired-cyclegan baseline per region', () => {
  it('builds a background generator and remover when the task asks for regions, and counts them as generating', () => {
    const whole = materializeGenerativeBaseline('paired-cyclegan', task({}), 0.125);
    const regions = materializeGenerativeBaseline('paired-cyclegan', task({ pairedCycleGan: { regions: true } }), 0.125);
    expect(Object.keys(whole.networks!).sort()).toEqual(['discriminator', 'generator', 'remover', 'styleDiscriminator']);
    expect(Object.keys(regions.networks!).sort()).toEqual([
      'backgroundGenerator',
      'backgroundRemover',
      'discriminator',
      'generator',
      'remover',
      'styleDiscriminator',
    ]);
    // The background pair mirrors the object pair: twice the generating parameters, and another hash.
    expect(regions.params).toBe(2 * whole.params);
    expect(regions.hash).not.toBe(whole.hash);
  });

  it('refuses regions for a problem without region masks, naming the baseline, the field and the fix', () => {
    expect(() => task({ pairedCycleGan: { regions: true } }, 'shape-guided', 'vunet')).toThrow(
      /recipe\.pairedCycleGan\.regions: baseline paired-cyclegan: .*needs region masks, and shape-guided examples have none.*set regions to false, or use style-transfer/,
    );
  });
});
