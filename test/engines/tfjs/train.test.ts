/**
 * Compiled networks train: one Adam step gives a finite loss and moves the
 * weights, a few steps on a fixed batch lower the loss, and a saved model loads
 * back (custom layers included) with the same outputs.
 */
import { describe, expect, it } from 'vitest';
import type { LayersModel, Tensor, io } from '@tensorflow/tfjs';
import {
  PAPER_BLOCKS,
  assembleNetwork,
  buildNb201Network,
  networkCost,
  parseNb201,
  type CheckedIr,
} from '../../../src/search-space/index.js';
import { type Tfjs, compileIr, customLayers, softmaxCrossEntropy, trainableParams } from '../../../src/engines/tfjs/index.js';
import { randomBatch, tfjs } from './helpers.js';
import { kitchenSink } from './ops.js';
import { maxAbsDiff } from './reference.js';

const SMALL = { inputShape: [16, 16, 3] as [number, number, number], classes: 10, baseFilters: 8, blocksPerStage: 1, stages: 2 };

const snapshot = (model: LayersModel) =>
  new Map(model.trainableWeights.map((w) => [w.originalName, Float32Array.from(w.read().dataSync())]));

function prepare(tf: Tfjs, checked: CheckedIr, learningRate = 1e-3) {
  const compiled = compileIr(tf, checked);
  compiled.model.compile({ optimizer: tf.train.adam(learningRate), loss: softmaxCrossEntropy(tf) });
  const shape = checked.ir.input.shape;
  const classes = checked.shapes.get(checked.ir.output)![0]!;
  return { compiled, ...randomBatch(tf, 42, 4, shape, classes) };
}

async function oneStep(checked: CheckedIr) {
  const tf = await tfjs();
  const { compiled, x, y } = prepare(tf, checked);
  const before = snapshot(compiled.model);
  const loss = (await compiled.model.trainOnBatch(x, y)) as number;
  const after = snapshot(compiled.model);
  const unchanged = [...before].filter(([name, values]) => maxAbsDiff(values, after.get(name)!) === 0).map(([name]) => name);
  return { compiled, loss, unchanged, weights: before.size };
}

describe('training the compiled networks', () => {
  for (const [name, block] of Object.entries(PAPER_BLOCKS)) {
    it(`BlockQNN ${name}-like network: one Adam step, finite loss, every weight tensor moves`, async () => {
      const { compiled, loss, unchanged, weights } = await oneStep(assembleNetwork(block, SMALL));
      expect(Number.isFinite(loss)).toBe(true);
      expect(loss).toBeGreaterThan(0);
      expect(weights).toBeGreaterThan(10);
      expect(unchanged).toEqual([]);
      compiled.model.dispose();
    });
  }

  it('the every-op network trains one step through all custom layers', async () => {
    const checked = kitchenSink();
    const { compiled, loss, unchanged } = await oneStep(checked);
    expect(trainableParams(compiled.model)).toBe(networkCost(checked).params);
    expect(Number.isFinite(loss)).toBe(true);
    expect(unchanged).toEqual([]);
    compiled.model.dispose();
  });

  it('NAS-Bench-201 network with unused convs trains; only the unused weights stay put', async () => {
    const cell = parseNb201('|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|');
    const checked = buildNb201Network(cell, { inputShape: [16, 16, 3], channels: 4, cellsPerStage: 1 });
    const { compiled, loss, unchanged } = await oneStep(checked);
    expect(Number.isFinite(loss)).toBe(true);
    const unusedLayers = new Set(compiled.unusedNodes.map((id) => compiled.layerNames.get(id)!));
    expect(unchanged.length).toBeGreaterThan(0);
    expect(unchanged.every((w) => unusedLayers.has(w.split('/')[0]!))).toBe(true);
    compiled.model.dispose();
  });

  it('three Adam steps on a fixed batch lower the loss', async () => {
    const tf = await tfjs();
    const { compiled, x, y } = prepare(tf, assembleNetwork(PAPER_BLOCKS.resnet, SMALL), 1e-3);
    // trainOnBatch reports the loss before its update: the 4th value is the loss after 3 steps.
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) losses.push((await compiled.model.trainOnBatch(x, y)) as number);
    expect(losses[3]!).toBeLessThan(losses[0]!);
    compiled.model.dispose();
  });

  it('a saved model loads back with its custom layers and computes the same outputs', async () => {
    const tf = await tfjs();
    const checked = kitchenSink({ unusedBranch: true });
    const compiled = compileIr(tf, checked);
    expect(compiled.unusedNodes).toEqual(['unused']);
    expect(trainableParams(compiled.model)).toBe(networkCost(checked).params);
    let saved: io.ModelArtifacts | undefined;
    await compiled.model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const topology = JSON.stringify(saved!.modelTopology);
    for (const className of Object.values(customLayers(tf)).map((c) => c.className)) expect(topology).toContain(className);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const { x } = randomBatch(tf, 7, 2, [8, 8, 3], 10);
    const a = (compiled.model.predict(x) as Tensor).dataSync();
    const b = (loaded.predict(x) as Tensor).dataSync();
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    expect(trainableParams(loaded)).toBe(trainableParams(compiled.model));
    compiled.model.dispose();
    loaded.dispose();
  });
});
