/**
 * WINN training and FGSM robustness on both engines, on real MNIST kept tiny:
 * introspective training runs and reports its metrics; the gradient penalty is
 * finite and positive; the pool fills as configured; FGSM at ε = 0 is the clean
 * accuracy exactly and a real ε does not raise it; plain training reports the
 * same FGSM keys and no WINN ones; both engines report the same keys.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine, TrainOutcome } from '../../src/engines/engine.js';
import { TfjsEngine } from '../../src/engines/tfjs/engine.js';
import { loadTfjs } from '../../src/engines/tfjs/index.js';
import { TorchEngine } from '../../src/engines/torch/index.js';
import { INPUT_ID, IrBuilder } from '../../src/search-space/index.js';
import { WINN_METRICS, fgsmKey } from '../../src/task/introspective.js';
import { parseTask } from '../../src/task/task.js';
import { torchPython } from './torch/helpers.js';

/** conv → BN → ReLU → max pool → conv → ReLU → global pool → dense: batch norm (inference-mode critic) and a pool in the penalty's double backward. */
function tinyNetwork() {
  const b = new IrBuilder('winn-tiny', [8, 8, 1]);
  let x = b.relu(b.batchNorm(b.conv(INPUT_ID, { filters: 4, kernel: 3, padding: 1 })));
  x = b.maxPool(x, { kernel: 2 });
  x = b.relu(b.conv(x, { filters: 8, kernel: 3, padding: 1 }));
  return b.build(b.dense(b.globalAvgPool(x), { units: 10 })).ir;
}

const EPSILONS = [0, 0.125];
const INTROSPECTIVE = { synthesisPerEpoch: 20, synthesisSteps: 8, poolSize: 40 };
const task = (recipe: Record<string, unknown>) =>
  parseTask({
    kind: 'classification',
    dataset: { name: 'mnist', subset: 100, validationSize: 100, imageSize: 8 },
    recipe: { epochs: 2, batchSize: 50, learningRate: 0.01, robustness: { fgsmEpsilons: EPSILONS }, ...recipe },
  });
const never = new AbortController().signal;
const ir = tinyNetwork();

const engines: Record<'tfjs' | 'torch', () => Promise<Engine>> = {
  tfjs: async () => new TfjsEngine(await loadTfjs({ logger: () => {} })),
  torch: async () => new TorchEngine({ python: await torchPython() }),
};
const started: Engine[] = [];
afterAll(async () => {
  await Promise.all(started.map((e) => e.close?.()));
});
const winnKeys = (outcome: TrainOutcome) =>
  Object.keys(outcome.extra ?? {})
    .filter((k) => k.startsWith('winn') || k.startsWith('fgsm'))
    .sort();
const results: Partial<Record<'tfjs' | 'torch', TrainOutcome>> = {};

describe.each(['tfjs', 'torch'] as const)('%s engine', (name) => {
  let engine: Engine;
  const get = async () => {
    if (!engine) started.push((engine = await engines[name]()));
    return engine;
  };

  it('WINN: trains, synthesises a round of pseudo-negatives, a finite positive penalty, FGSM at most the clean accuracy', async () => {
    const outcome = await (await get()).train({ ir, task: task({ introspective: INTROSPECTIVE }), seed: 7 }, never, () => {});
    results[name] = outcome;
    expect(outcome.status).toBe('ok');
    expect(outcome.curve).toHaveLength(2);
    const extra = outcome.extra!;
    expect(winnKeys(outcome)).toEqual([...WINN_METRICS, ...EPSILONS.map(fgsmKey)].sort());
    // A round stops at its threshold, so it may take no step when the noise already scores high enough
    // (step-by-step climbing is tested on each engine's parts with an unreachable threshold).
    expect(extra.winnSynthesisScoreEnd).toBeGreaterThanOrEqual(extra.winnSynthesisScoreStart!);
    expect(Number.isFinite(extra.winnGradientPenalty)).toBe(true);
    expect(extra.winnGradientPenalty).toBeGreaterThan(0);
    expect(Number.isFinite(extra.winnWassersteinEstimate)).toBe(true);
    // 20 noise images at the start and one synthesis round of 20 after epoch 1 (none after the last epoch).
    expect(extra.winnPoolSize).toBe(40);
    expect(extra.winnSynthesisSteps).toBeGreaterThanOrEqual(0);
    expect(extra.winnSynthesisSteps).toBeLessThanOrEqual(INTROSPECTIVE.synthesisSteps);
    expect(extra[fgsmKey(0)]).toBe(outcome.accuracy);
    expect(extra[fgsmKey(0.125)]).toBeLessThanOrEqual(outcome.accuracy!);
  });

  it('WINN: a non-finite loss stops training as diverged, without robustness metrics', async () => {
    const b = new IrBuilder('explodes', [8, 8, 1]);
    const logits = b.dense(b.dense(b.dense(b.flatten(INPUT_ID), { units: 64 }), { units: 64 }), { units: 10 });
    const recipe = { optimizer: 'sgd', learningRate: 10, introspective: INTROSPECTIVE };
    const outcome = await (await get()).train({ ir: b.build(logits).ir, task: task(recipe), seed: 1 }, never, () => {});
    expect(outcome.status).toBe('diverged');
    expect(outcome.error).toMatch(/^loss became (NaN|-?Infinity) in epoch \d$/);
    expect(winnKeys(outcome)).toEqual([]);
  });

  it('plain training with robustness: the same FGSM keys, no WINN ones, ε = 0 is the clean accuracy', async () => {
    const outcome = await (await get()).train({ ir, task: task({}), seed: 7 }, never, () => {});
    expect(outcome.status).toBe('ok');
    expect(winnKeys(outcome)).toEqual(EPSILONS.map(fgsmKey).sort());
    expect(outcome.extra![fgsmKey(0)]).toBe(outcome.accuracy);
    expect(outcome.extra![fgsmKey(0.125)]).toBeLessThanOrEqual(outcome.accuracy!);
  });
});

describe('both engines', () => {
  it('report the same WINN and FGSM keys', () => {
    expect(results.tfjs && results.torch).toBeTruthy();
    expect(winnKeys(results.tfjs!)).toEqual(winnKeys(results.torch!));
  });
});
