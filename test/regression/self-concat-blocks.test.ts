/**
 * Issue #19, second bug: blocks whose assembly concatenates a tensor with
 * itself (`concat(x, identity(x))` folds into one concat node reading x twice)
 * made tfjs-layers' predict dispose x while another layer still needed it, so
 * the evaluation after the first epoch threw "Cannot read properties of
 * undefined (reading 'backend')" out of `train()`. Both engines must train
 * them, on the issue's configuration: 8×8×1 MNIST, 4 filters, 2 stages, one
 * epoch of 200 images. And no error inside an engine leaves `train()`: it comes
 * back as a failed outcome naming the cause.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine, TrainRequest } from '../../src/engines/engine.js';
import { compileIr, loadTfjs } from '../../src/engines/tfjs/index.js';
import { buildBuiltinModel } from '../../src/export/tfjs-layers.js';
import { tfjsEngineFactory } from '../../src/engines/tfjs/engine.js';
import { TorchEngine } from '../../src/engines/torch/index.js';
import { assembleNetwork, networkCost, parseNsc } from '../../src/search-space/index.js';
import { parseTask } from '../../src/task/task.js';
import { torchPython } from '../engines/torch/helpers.js';

const BLOCKS = ['(1,1,3,0,0)(2,3,1,1,0)(3,4,0,0,0)(4,6,0,0,3)(5,3,1,4,0)(6,7,0,0,0)', '(1,1,3,0,0)(2,4,0,0,0)(3,6,0,0,2)(4,7,0,0,0)'];
const network = (nsc: string) =>
  assembleNetwork(parseNsc(nsc), { inputShape: [8, 8, 1], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 });
const task = parseTask({
  kind: 'classification',
  dataset: { name: 'mnist', subset: 200, validationSize: 100, imageSize: 8 },
  recipe: { epochs: 1, batchSize: 50 },
});
const never = new AbortController().signal;

const engines: Engine[] = [];
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close?.()));
});
const makers: Record<string, () => Promise<Engine>> = {
  tfjs: () => tfjsEngineFactory.create(),
  torch: async () => new TorchEngine({ python: await torchPython() }),
};

describe.each(Object.keys(makers))('%s engine: blocks that concatenate a tensor with itself', (name) => {
  let engine: Engine | undefined;
  const get = async () => {
    if (!engine) engines.push((engine = await makers[name]!()));
    return engine;
  };

  it.each(BLOCKS)(
    'trains %s for an epoch and measures its accuracy',
    async (nsc) => {
      // The assembled IR really has a node reading one input twice: what the bug needs.
      expect(network(nsc).ir.nodes.some((n) => new Set(n.inputs).size < n.inputs.length)).toBe(true);
      const outcome = await (await get()).train({ ir: network(nsc).ir, task, seed: 1 }, never, () => {});
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('ok');
      expect(outcome.curve).toHaveLength(1);
      expect(outcome.accuracy).toBeGreaterThanOrEqual(0);
      expect(outcome.accuracy).toBeLessThanOrEqual(1);
    },
    120_000,
  );

  it('answers an error inside the engine with a failed outcome naming the cause', async () => {
    const lookup = parseTask({ kind: 'lookup', table: '/nonexistent.csv', fitness: 'acc' }) as TrainRequest['task'];
    const outcome = await (await get()).train({ ir: network(BLOCKS[1]!).ir, task: lookup, seed: 1 }, never, () => {});
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(new RegExp(`the ${name} engine trains classification and image-to-image tasks, not "lookup"`));
  });
});

describe.each([
  ["the engine's compiled model", compileIr],
  ["the tfjs export's built-in model", buildBuiltinModel],
] as const)('%s: a repeated input keeps the network the same', (_what, build) => {
  it.each(BLOCKS)("%s: predict (which disposes as it goes) equals apply, with the IR's parameter count", async (nsc) => {
    const { tf } = await loadTfjs({ logger: () => {} });
    const checked = network(nsc);
    const { model } = build(tf, checked);
    try {
      expect(model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0)).toBe(
        networkCost(checked).params,
      );
      const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 7);
      const predicted = (model.predict(x) as ReturnType<typeof tf.tensor>).arraySync();
      const applied = (model.apply(x, { training: false }) as ReturnType<typeof tf.tensor>).arraySync();
      expect(predicted).toEqual(applied);
      x.dispose();
    } finally {
      model.dispose();
    }
  });
});
